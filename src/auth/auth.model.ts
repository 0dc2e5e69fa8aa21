import { createUnionType, Field, ObjectType, registerEnumType } from '@nestjs/graphql';
import { User } from '../user/user.model';
import { ReturnsOwnAccount } from './decorators';

@ObjectType('UserAuthenticationWithPasswordSuccess')
export class UserAuthenticationWithPasswordSuccess {
  @Field({ description: 'Send as `Authorization: Bearer <sessionToken>`. Shown once.' })
  sessionToken!: string;
  @Field(() => User)
  @ReturnsOwnAccount()
  item!: User;
}

@ObjectType('UserAuthenticationWithPasswordFailure')
export class UserAuthenticationWithPasswordFailure {
  @Field() message!: string;
}

export const UserAuthenticationWithPasswordResult = createUnionType({
  name: 'UserAuthenticationWithPasswordResult',
  types: () => [UserAuthenticationWithPasswordSuccess, UserAuthenticationWithPasswordFailure] as const,
  resolveType: (value: object) =>
    'sessionToken' in value ? UserAuthenticationWithPasswordSuccess : UserAuthenticationWithPasswordFailure,
});

@ObjectType('CustomerTokenResult')
export class CustomerTokenResult {
  @Field() success!: boolean;
  @Field(() => String, { nullable: true, description: '"ctok_" + 64 hex. Shown once; only its hash is kept.' })
  token!: string | null;
}

/** Why a password reset token was refused (Keystone's codes and messages, SPEC §7). */
export enum PasswordResetRedemptionErrorCode {
  FAILURE = 'FAILURE',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  TOKEN_REDEEMED = 'TOKEN_REDEEMED',
}
registerEnumType(PasswordResetRedemptionErrorCode, { name: 'PasswordResetRedemptionErrorCode' });

/** Keystone's messages, word for word: a storefront written against Keystone may show them as they are. */
export const PASSWORD_RESET_MESSAGES: Record<PasswordResetRedemptionErrorCode, string> = {
  FAILURE: 'Auth token redemption failed.',
  TOKEN_EXPIRED: 'The auth token provided has expired.',
  TOKEN_REDEEMED: 'Auth tokens are single use and the auth token provided has already been redeemed.',
};

export interface PasswordResetFailure {
  code: PasswordResetRedemptionErrorCode;
  message: string;
}

export function passwordResetFailure(code: PasswordResetRedemptionErrorCode): PasswordResetFailure {
  return { code, message: PASSWORD_RESET_MESSAGES[code] };
}

@ObjectType('ValidateUserPasswordResetTokenResult', {
  description: 'Why the token cannot be used; the field itself is null when it can',
})
export class ValidateUserPasswordResetTokenResult implements PasswordResetFailure {
  @Field(() => PasswordResetRedemptionErrorCode) code!: PasswordResetRedemptionErrorCode;
  @Field() message!: string;
}

@ObjectType('RedeemUserPasswordResetTokenResult', {
  description: 'Why the token was refused (nothing changed); the field itself is null on success',
})
export class RedeemUserPasswordResetTokenResult implements PasswordResetFailure {
  @Field(() => PasswordResetRedemptionErrorCode) code!: PasswordResetRedemptionErrorCode;
  @Field() message!: string;
}
