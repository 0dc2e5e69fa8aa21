import { Args, Field, InputType, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { ArrayMaxSize, IsOptional, IsString } from 'class-validator';
import { Allow } from '../auth/decorators';
import { Permission } from '../auth/permissions';
import { IdentitySettingsService } from './identity-settings.service';

@ObjectType('IdentitySettings', { description: "Insider's IRM settings, applied to every partner API request" })
export class IdentitySettingsModel {
  @Field(() => [String], { description: 'Subset of uuid, email, phone_number' }) enabledIdentifiers!: string[];
  @Field(() => [String], { description: 'Enabled custom identifier names (^[a-z][a-z0-9_]{0,63}$)' })
  customIdentifiers!: string[];
  @Field(() => [String], { description: 'Values never used as identifiers' }) blockedValues!: string[];
}

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

@Resolver(() => IdentitySettingsModel)
export class IdentitySettingsResolver {
  constructor(private readonly settings: IdentitySettingsService) {}

  @Query(() => IdentitySettingsModel)
  @Allow(Permission.CanManageIdentities)
  identitySettings() {
    return this.settings.get();
  }

  @Mutation(() => IdentitySettingsModel)
  @Allow(Permission.CanManageIdentities)
  updateIdentitySettings(@Args('data') data: IdentitySettingsInput) {
    return this.settings.update(data);
  }
}
