import { ArgsType, Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import GraphQLJSON from 'graphql-type-json';

export const MAX_AUDIT_TAKE = 500;

@ObjectType('AuditActor')
export class AuditActor {
  @Field({ description: 'session | customer-token | api-token | anonymous | system' }) kind!: string;
  @Field(() => ID, { nullable: true, description: 'the user (session, customer token) or API token id' })
  id!: string | null;
  @Field(() => String, { nullable: true }) ipAddress!: string | null;
  @Field(() => String, { nullable: true }) requestId!: string | null;
}

@ObjectType('AuditResource')
export class AuditResource {
  @Field({ description: 'user, address, role, customer_group, session, api_token, identity, …' }) type!: string;
  @Field(() => ID, { nullable: true }) id!: string | null;
}

@ObjectType('AuditChange')
export class AuditChange {
  @Field() field!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'secrets are "[redacted]", personal values masked' })
  old!: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'secrets are "[redacted]", personal values masked' })
  new!: unknown;
}

@ObjectType('AuditEvent', { description: 'One audit entry (SPEC §9); the id is time-ordered' })
export class AuditEvent {
  @Field(() => ID) id!: string;
  @Field() occurredAt!: Date;
  @Field(() => AuditActor) actor!: AuditActor;
  @Field({ description: 'user.updated, identity.identifier_changed, …' }) action!: string;
  @Field(() => AuditResource) resource!: AuditResource;
  @Field(() => [AuditChange]) changes!: AuditChange[];
}

const ID_TEXT = /^[\w.:@-]{1,128}$/;

@InputType('AuditEventWhereInput')
export class AuditEventWhereInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @Matches(ID_TEXT) actorId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(32) resourceType?: string | null;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @Matches(ID_TEXT) resourceId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(64) action?: string | null;
  @Field(() => Date, { nullable: true, description: 'entries at or after this time' })
  @IsOptional()
  @IsDate()
  from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'entries before this time' })
  @IsOptional()
  @IsDate()
  to?: Date | null;
}

@ArgsType()
export class AuditPageArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_AUDIT_TAKE} (the default 50)` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_AUDIT_TAKE)
  take?: number | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  skip?: number | null;
}

@ArgsType()
export class AuditEventsArgs extends AuditPageArgs {
  @Field(() => AuditEventWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditEventWhereInput)
  where?: AuditEventWhereInput | null;
}
