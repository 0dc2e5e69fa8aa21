import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RateLimit, RateLimitGuard } from '../common/rate-limit.guard';
import { UserRegisterInput, UserUpdateProfileInput } from '../user/dto/user.input';
import { toUser } from '../user/user.mapper';
import { User } from '../user/user.model';
import { UserService } from '../user/user.service';
import { Actor as ActorType } from './actor';
import { CustomerTokenResult, UserAuthenticationWithPasswordResult } from './auth.model';
import { Actor, Allow, Public, ReturnsOwnAccount } from './decorators';
import { Access } from './permissions';
import { SessionService } from './session.service';

/** Sign-in, sessions and the signed-in user's own account (Keystone names and shapes). */
@Resolver()
export class AuthResolver {
  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
  ) {}

  /** Counted per client address here (every attempt), per email in the service. */
  @Mutation(() => UserAuthenticationWithPasswordResult, { nullable: true })
  @Public()
  @UseGuards(RateLimitGuard)
  @RateLimit('signInPerAddress')
  async authenticateUserWithPassword(@Args('email') email: string, @Args('password') password: string) {
    const result = await this.users.signIn(email, password);
    return 'sessionToken' in result ? { sessionToken: result.sessionToken, item: toUser(result.item) } : result;
  }

  @Mutation(() => Boolean, { description: 'Ends the session that sent it; false when there is none' })
  @Public()
  async endSession(@Actor() actor: ActorType) {
    if (!actor.sessionId) return false;
    await this.sessions.end(actor.sessionId);
    return true;
  }

  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous' })
  @Public()
  async authenticatedItem(@Actor() actor: ActorType) {
    const user = await this.users.me(actor);
    return user && toUser(user);
  }

  @Mutation(() => User, { nullable: true })
  @Public()
  @ReturnsOwnAccount()
  @UseGuards(RateLimitGuard)
  @RateLimit('registerPerAddress')
  async registerUser(@Args('data') data: UserRegisterInput) {
    return toUser(await this.users.register(data));
  }

  @Mutation(() => User, { nullable: true })
  @Allow(Access.Authenticated)
  async updateActiveUser(@Actor() actor: ActorType, @Args('data') data: UserUpdateProfileInput) {
    return toUser(await this.users.updateActiveUser(actor, data));
  }

  @Mutation(() => User, { nullable: true })
  @Allow(Access.SessionOnly)
  async updateActiveUserPassword(
    @Actor() actor: ActorType,
    @Args('oldPassword') oldPassword: string,
    @Args('newPassword') newPassword: string,
    @Args('confirmPassword') confirmPassword: string,
  ) {
    return toUser(await this.users.updateActiveUserPassword(actor, oldPassword, newPassword, confirmPassword));
  }

  @Mutation(() => CustomerTokenResult)
  @Allow(Access.SessionOnly)
  regenerateCustomerToken(@Actor() actor: ActorType) {
    return this.users.regenerateCustomerToken(actor);
  }
}
