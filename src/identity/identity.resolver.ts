import { Args, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Permission, Scope } from '../auth/permissions';
import { argumentsKey, LoaderRegistry, Loaders } from '../common/loaders';
import { toUser } from '../user/user.mapper';
import { User } from '../user/user.model';
import { UserService } from '../user/user.service';
import {
  EVENTS_DEFAULT_TAKE,
  EVENTS_MAX_TAKE,
  IdentitiesArgs,
  IdentitiesCountArgs,
  IdentityEventsArgs,
  IdentityInput,
} from './dto/identity.input';
import { IdentityProfileEntity } from './identity.entity';
import { toIdentity } from './identity.mapper';
import { Identifier, Identity, IdentityAttribute, IdentityEvent } from './identity.model';
import { IdentityService } from './identity.service';

const READ = [Scope.IdentitiesRead, Scope.IdentitiesWrite, Permission.CanManageIdentities] as const;

/** Nosto's identity API (seed 001): `upsertIdentity`, plus reads and segments. */
@Resolver(() => Identity)
export class IdentityResolver {
  constructor(
    private readonly identities: IdentityService,
    private readonly users: UserService,
  ) {}

  @Mutation(() => Identity, { nullable: true })
  @Allow(Scope.IdentitiesWrite, Permission.CanManageIdentities)
  async upsertIdentity(@Args('identity') identity: IdentityInput, @Actor() actor: ActorType) {
    return toIdentity(await this.identities.upsert(identity, actor));
  }

  @Query(() => Identity, { nullable: true, description: 'null when no identity has this email' })
  @Allow(...READ)
  async identity(@Args('email') email: string) {
    const found = await this.identities.byEmail(email);
    return found && toIdentity(found);
  }

  @Query(() => [Identity], {
    name: 'identities',
    description:
      'A segment: the identities having every attribute condition, in id order (new ids are time-ordered: oldest first)',
  })
  @Allow(...READ)
  async list(@Args() args: IdentitiesArgs) {
    return (await this.identities.list(args)).map(toIdentity);
  }

  @Query(() => Int, { description: 'How many identities `identities(where)` would list in all' })
  @Allow(...READ)
  identitiesCount(@Args() args: IdentitiesCountArgs) {
    return this.identities.count(args.where);
  }

  @ResolveField(() => [IdentityAttribute])
  attributes(@Parent() identity: Identity, @Loaders() loaders: LoaderRegistry) {
    return loaders
      .get<string, IdentityAttribute[]>('Identity.attributes', (ids) => this.identities.attributesFor(ids))
      .load(identity.id);
  }

  /** The profile's events, batched per request: one statement per distinct set of arguments. */
  @ResolveField(() => [IdentityEvent], {
    description: `Newest first (the same instant: the later written first); take default ${EVENTS_DEFAULT_TAKE}, at most ${EVENTS_MAX_TAKE}, counted per identity`,
  })
  events(@Parent() identity: Identity, @Args() args: IdentityEventsArgs, @Loaders() loaders: LoaderRegistry) {
    return loaders
      .get<string, IdentityEvent[]>(`Identity.events ${argumentsKey(args)}`, (ids) =>
        this.identities.eventsFor(ids, args),
      )
      .load(identity.id);
  }

  @ResolveField(() => [Identifier])
  identifiers(@Parent() identity: Identity, @Loaders() loaders: LoaderRegistry) {
    return this.identifierLoader(loaders).load(identity.id);
  }

  @ResolveField(() => String, { nullable: true })
  async email(@Parent() identity: Identity, @Loaders() loaders: LoaderRegistry) {
    const identifiers = await this.identifierLoader(loaders).load(identity.id);
    return identifiers.find((i) => i.type === 'email')?.value ?? null;
  }

  /** A User: the per-field authorization lets only that user or a user reader see it (not a token). */
  @ResolveField(() => User, {
    nullable: true,
    description:
      'The account of this person, if they have one. Account data: needs canReadUsers or canManageUsers, or being that user.',
  })
  async user(@Parent() identity: Identity, @Loaders() loaders: LoaderRegistry) {
    if (!identity.userId) return null;
    const user = await loaders
      .get<string, User | null>('Identity.user', async (ids) => {
        const rows = await this.users.byIds(ids);
        const byId = new Map(rows.map((u) => [u.id, toUser(u)]));
        return ids.map((id) => byId.get(id) ?? null);
      })
      .load(identity.userId);
    return user;
  }

  private identifierLoader(loaders: LoaderRegistry) {
    return loaders.get<string, Identifier[]>('Identity.identifiers', (ids) => this.identities.identifiersFor(ids));
  }
}

@Resolver(() => User)
export class UserIdentityResolver {
  constructor(private readonly identities: IdentityService) {}

  @ResolveField(() => Identity, {
    nullable: true,
    description:
      "The identity profile linked to this account (another user's: needs an identities scope or canManageIdentities)",
  })
  async identity(@Parent() user: User, @Loaders() loaders: LoaderRegistry) {
    const profile = await loaders
      .get<string, IdentityProfileEntity | null>('User.identity', (ids) => this.identities.forUsers(ids))
      .load(user.id);
    return profile && toIdentity(profile);
  }
}
