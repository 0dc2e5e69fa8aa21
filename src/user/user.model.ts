import { Field, ID, ObjectType } from '@nestjs/graphql';

/**
 * GraphQL types of the accounts module (SPEC §3.1). Built from entities by explicit mappers; there is
 * no field for a password hash or a token hash. `addresses`, `customerGroups` and `identity` are added
 * by field resolvers in their own modules.
 */
@ObjectType('Role')
export class Role {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() canReadUsers!: boolean;
  @Field() canManageUsers!: boolean;
  @Field() canManageIdentities!: boolean;
  @Field() canManageApiTokens!: boolean;
  @Field() canManageRoles!: boolean;
  @Field() canReadAudit!: boolean;
  @Field() canManageWebhooks!: boolean;
  @Field(() => Date, { nullable: true }) createdAt?: Date;
  @Field(() => Date, { nullable: true }) updatedAt?: Date;
}

@ObjectType('User')
export class User {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => Boolean, {
    description:
      'True once the owner proved the email (the verification link, or a password reset); an email change clears it',
  })
  emailVerified!: boolean;
  @Field(() => String, { nullable: true }) phone!: string | null;
  @Field(() => Boolean, { nullable: true, description: 'True when the user has a password and can sign in' })
  hasAccount!: boolean;
  @Field(() => String, { nullable: true, description: 'not_started | in_progress | completed | dismissed' })
  onboardingStatus!: string | null;
  @Field(() => String, { nullable: true }) orderWebhookUrl!: string | null;
  @Field(() => Date, { nullable: true }) tokenGeneratedAt!: Date | null;
  @Field(() => Date, { nullable: true }) createdAt!: Date;
  @Field(() => Date, { nullable: true }) updatedAt!: Date;
  /** not a GraphQL field: the role is resolved by `User.role` from this id */
  roleId!: string | null;
}
