import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Permission, Scope } from '../auth/permissions';
import { LoaderRegistry, Loaders } from '../common/loaders';
import { IdentityMergesArgs, MergeIdentitiesArgs } from './dto/identity-where.input';
import { IdentityProfileEntity } from './identity.entity';
import { toIdentity } from './identity.mapper';
import { Identity } from './identity.model';
import { IdentityMergeService } from './merge.service';
import { IdentityMerge, toIdentityMerge } from './merge.model';
import { ProfileStore } from './profile-store';
import { TransactionService } from '../database/transaction.service';

const MANAGE = [Scope.IdentitiesWrite, Permission.CanManageIdentities] as const;

/** SPEC §10: merging identity profiles, undoing a merge, and the merges made. */
@Resolver(() => IdentityMerge)
export class IdentityMergeResolver {
  constructor(
    private readonly merges: IdentityMergeService,
    private readonly store: ProfileStore,
    private readonly tx: TransactionService,
  ) {}

  @Mutation(() => IdentityMerge, { description: 'Merges profiles into `into` (at most 50 profiles in all)' })
  @Allow(...MANAGE)
  async mergeIdentities(@Actor() actor: ActorType, @Args() args: MergeIdentitiesArgs) {
    return toIdentityMerge(await this.merges.merge(actor, args));
  }

  @Mutation(() => [Identity], {
    description: 'Undoes a merge of the last 90 days: the survivor first, then the profiles restored',
  })
  @Allow(...MANAGE)
  async unmergeIdentity(@Actor() actor: ActorType, @Args('mergeId', { type: () => ID }) mergeId: string) {
    return (await this.merges.unmerge(mergeId, actor)).map(toIdentity);
  }

  @Query(() => [IdentityMerge], { description: 'Merges, newest first' })
  @Allow(...MANAGE)
  async identityMerges(@Args() args: IdentityMergesArgs) {
    return (await this.merges.list(args)).map(toIdentityMerge);
  }

  @ResolveField(() => Identity, { nullable: true })
  async survivor(@Parent() merge: IdentityMerge, @Loaders() loaders: LoaderRegistry) {
    const profile = await loaders
      .get<string, IdentityProfileEntity | null>('IdentityMerge.survivor', async (ids) => {
        const rows = await this.store.profilesByIds(this.tx.manager, ids);
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id) ?? null);
      })
      .load(merge.survivorId);
    return profile && toIdentity(profile);
  }
}
