import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RateLimit, RateLimitGuard } from '../common/rate-limit.guard';
import { toUser } from '../user/user.mapper';
import { User } from '../user/user.model';
import { Actor as ActorType } from './actor';
import {
  CustomerTokenResult,
  RedeemUserPasswordResetTokenResult,
  UserAuthenticationWithPasswordResult,
  ValidateUserPasswordResetTokenResult,
} from './auth.model';
import { Client, SessionClient } from './client-info';
import { AuthService } from './auth.service';
import { Actor, Allow, Public, ReturnsOwnAccount } from './decorators';
import { Access } from './permissions';

/**
 * Sign-in, sign-out, the signed-in user, password change and reset, customer tokens and email verification
 * (Keystone names and shapes).
 */
@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  /** Counted per client address here (every attempt), per email in the service. */
  @Mutation(() => UserAuthenticationWithPasswordResult, { nullable: true })
  @Public()
  @UseGuards(RateLimitGuard)
  @RateLimit('signInPerAddress')
  async authenticateUserWithPassword(
    @Args('email') email: string,
    @Args('password') password: string,
    @Client() client: SessionClient,
  ) {
    const result = await this.auth.signIn(email, password, client);
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

  @Mutation(() => Boolean, {
    description:
      'Mails a one-time reset link to the address if it has a user. Always true (for any well-formed address), in the same time.',
  })
  @Public()
  @UseGuards(RateLimitGuard)
  @RateLimit('passwordResetPerAddress')
  sendUserPasswordResetLink(@Args('email') email: string) {
    return this.auth.sendPasswordResetLink(email);
  }

  @Query(() => ValidateUserPasswordResetTokenResult, {
    nullable: true,
    description: 'null when the token can be redeemed for this email; otherwise why not',
  })
  @Public()
  validateUserPasswordResetToken(@Args('email') email: string, @Args('token') token: string) {
    return this.auth.validatePasswordReset(email, token);
  }

  @Mutation(() => RedeemUserPasswordResetTokenResult, {
    nullable: true,
    description: 'Sets the password; ends every session and the customer token; verifies the email. null on success.',
  })
  @Public()
  redeemUserPasswordResetToken(
    @Args('email') email: string,
    @Args('token') token: string,
    @Args('password') password: string,
    @Actor() actor: ActorType,
  ) {
    return this.auth.redeemPasswordReset(email, token, password, actor);
  }

  @Mutation(() => Boolean, { description: "Mails a new verification link to the signed-in user's address" })
  @Allow(Access.SessionOnly)
  sendActiveUserEmailVerification(@Actor() actor: ActorType) {
    return this.auth.sendEmailVerification(actor);
  }

  /** The token is the proof: whoever holds it may read the account it verified (@ReturnsOwnAccount). */
  @Mutation(() => User, { nullable: true, description: 'Marks the address the token was mailed to as verified' })
  @Public()
  @ReturnsOwnAccount()
  async verifyUserEmail(@Args('token') token: string, @Actor() actor: ActorType) {
    return toUser(await this.auth.verifyEmail(token, actor));
  }
}
