import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import GraphQLJSON from 'graphql-type-json';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Access, Permission, Scope } from '../auth/permissions';
import { IdentityWhereUniqueInput } from '../identity/dto/identity-where.input';
import { ErasureReceiptModel } from './privacy.model';
import { PrivacyService } from './privacy.service';

/** The gdpr scope, or canManageIdentities (the service also asks for canManageUsers). */
const GDPR = [Scope.Gdpr, Permission.CanManageIdentities] as const;

/** SPEC §10: erasure, takeout, and a customer closing their own account. */
@Resolver()
export class PrivacyResolver {
  constructor(private readonly privacy: PrivacyService) {}

  @Mutation(() => ErasureReceiptModel, {
    description:
      'Erases a person: their profile (and those merged into it) with identifiers, aliases, attributes, events and merges, ' +
      'the account linked to it or holding its email with sessions, tokens, addresses, group memberships and queued mails. ' +
      'suppress: true refuses later writes of their identifiers. Needs the gdpr scope, or canManageIdentities and canManageUsers.',
  })
  @Allow(...GDPR)
  eraseIdentity(
    @Actor() actor: ActorType,
    @Args('where') where: IdentityWhereUniqueInput,
    @Args('suppress', { type: () => Boolean, nullable: true }) suppress?: boolean | null,
  ) {
    return this.privacy.erase(actor, where, suppress ?? false);
  }

  @Query(() => GraphQLJSON, {
    description:
      'Everything stored about a person, as one JSON document (no secrets). Same permissions as eraseIdentity.',
  })
  @Allow(...GDPR)
  exportIdentity(@Actor() actor: ActorType, @Args('where') where: IdentityWhereUniqueInput) {
    return this.privacy.export(actor, where);
  }

  @Query(() => GraphQLJSON, {
    description:
      'Everything stored about the signed-in user: account, addresses, groups, sessions (no tokens), profile',
  })
  @Allow(Access.Authenticated)
  exportActiveUserData(@Actor() actor: ActorType) {
    return this.privacy.exportOwn(actor);
  }

  @Mutation(() => Boolean, {
    description:
      'Closes the signed-in user’s account (password checked, limited like a password change); the marketing profile is unlinked and kept',
  })
  @Allow(Access.SessionOnly)
  deleteActiveUser(@Actor() actor: ActorType, @Args('password') password: string) {
    return this.privacy.deleteOwn(actor, password);
  }
}
