import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('Session', { description: 'A signed-in session (SPEC §7). The token itself is never shown again.' })
export class Session {
  @Field(() => ID) id!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, {
    nullable: true,
    description: 'The sign-in, or the last request the session authenticated; written in batches (about once a minute)',
  })
  lastUsedAt!: Date | null;
  @Field(() => Date) expiresAt!: Date;
  @Field(() => String, { nullable: true, description: 'The client address at sign-in' })
  ipAddress!: string | null;
  @Field(() => String, { nullable: true, description: 'The User-Agent at sign-in (at most 512 characters)' })
  userAgent!: string | null;
  @Field({ description: 'Whether this is the session that sent the request' })
  current!: boolean;
  /** not a GraphQL field: whose session it is (the per-field authorization's owner) */
  userId!: string;
}
