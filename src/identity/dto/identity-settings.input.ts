import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsOptional, IsString } from 'class-validator';

@InputType('IdentitySettingsInput', { description: 'Each list given replaces the current one whole' })
export class IdentitySettingsInput {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(3)
  @IsString({ each: true })
  enabledIdentifiers?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  customIdentifiers?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  blockedValues?: string[];
}
