import { createUnionType, Field, ObjectType } from '@nestjs/graphql';
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
