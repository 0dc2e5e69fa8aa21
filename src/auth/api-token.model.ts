import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('ApiToken', { description: 'An integration credential. The token itself is shown only once, at creation.' })
export class ApiToken {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Updated in batches (about once a minute)' })
  lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType('CreatedApiToken')
export class CreatedApiToken {
  @Field({
    description: 'The token: send as `Authorization: Basic base64(":" + token)` or `X-REQUEST-TOKEN`. Shown once.',
  })
  token!: string;
  @Field(() => ApiToken) apiToken!: ApiToken;
}
