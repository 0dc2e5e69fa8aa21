import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RateLimit, RateLimitGuard } from '../common/rate-limit.guard';
import { toUser } from '../user/user.mapper';
import { User } from '../user/user.model';
import { Actor as ActorType } from './actor';
import { CustomerTokenResult, UserAuthenticationWithPasswordResult } from './auth.model';
import { AuthService } from './auth.service';
import { Actor, Allow, Public } from './decorators';
import { Access } from './permissions';

/** Sign-in, sign-out, the signed-in user, password change and customer tokens (Keystone names and shapes). */
@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  /** Counted per client address here (every attempt), per email in the service. */
  @Mutation(() => UserAuthenticationWithPasswordResult, { nullable: true })
  @Public()
  @UseGuards(RateLimitGuard)
  @RateLimit('signInPerAddress')
  async authenticateUserWithPassword(@Args('email') email: string, @Args('password') password: string) {
    const result = await this.auth.signIn(email, password);
    return 'sessionToken' in result ? { sessionToken: result.sessionToken, item: toUser(result.item) } : result;
  }

  @Mutation(() => Boolean, { description: 'Ends the session that sent it; false when there is none' })
  @Public()
  endSession(@Actor() actor: ActorType) {
    return this.auth.signOut(actor);
  }

  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous' })
  @Public()
  async authenticatedItem(@Actor() actor: ActorType) {
    const user = await this.auth.me(actor);
    return user && toUser(user);
  }

  @Mutation(() => User, { nullable: true })
  @Allow(Access.SessionOnly)
  async updateActiveUserPassword(
    @Actor() actor: ActorType,
    @Args('oldPassword') oldPassword: string,
    @Args('newPassword') newPassword: string,
    @Args('confirmPassword') confirmPassword: string,
  ) {
    return toUser(await this.auth.changePassword(actor, oldPassword, newPassword, confirmPassword));
  }

  @Mutation(() => CustomerTokenResult)
  @Allow(Access.SessionOnly)
  regenerateCustomerToken(@Actor() actor: ActorType) {
    return this.auth.regenerateCustomerToken(actor);
  }
}
