import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UserWhereUniqueInput } from '../user/dto/user-where-unique.input';
import { Actor as ActorType } from './actor';
import { Actor, Allow } from './decorators';
import { Access, Permission } from './permissions';
import { toSession } from './session.mapper';
import { Session } from './session.model';
import { SessionService } from './session.service';

/**
 * Sessions (SPEC §7): the signed-in user's own (a session only: a customer token cannot list or end
 * sessions), and any user's for admins (canManageUsers; canManageRoles too for staff, in the service).
 */
@Resolver(() => Session)
export class SessionsResolver {
  constructor(private readonly sessions: SessionService) {}

  @Query(() => [Session], { description: "The caller's live sessions, most recently used first" })
  @Allow(Access.SessionOnly)
  async activeUserSessions(@Actor() actor: ActorType) {
    return (await this.sessions.listOwn(actor)).map((s) => toSession(s, actor));
  }

  @Mutation(() => Boolean, {
    description: "Ends one of the caller's other sessions; false for an unknown id or someone else's session",
  })
  @Allow(Access.SessionOnly)
  revokeActiveUserSession(@Actor() actor: ActorType, @Args('id', { type: () => ID }) id: string) {
    return this.sessions.revokeOwn(actor, id);
  }

  @Mutation(() => Int, { description: 'Ends every session of the caller but the current one; how many ended' })
  @Allow(Access.SessionOnly)
  revokeOtherActiveUserSessions(@Actor() actor: ActorType) {
    return this.sessions.revokeOthers(actor);
  }

  @Query(() => [Session], { description: "A user's live sessions, most recently used first" })
  @Allow(Permission.CanManageUsers)
  async userSessions(@Actor() actor: ActorType, @Args('where') where: UserWhereUniqueInput) {
    return (await this.sessions.listOfUser(actor, where)).map((s) => toSession(s, actor));
  }

  @Mutation(() => Int, { description: 'Ends every session of the user; how many ended' })
  @Allow(Permission.CanManageUsers)
  revokeUserSessions(@Actor() actor: ActorType, @Args('where') where: UserWhereUniqueInput) {
    return this.sessions.revokeOfUser(actor, where);
  }
}
