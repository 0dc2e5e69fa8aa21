import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Permission } from '../auth/permissions';
import { IdentitySettingsInput } from './dto/identity-settings.input';
import { IdentitySettingsModel } from './identity.model';
import { IdentitySettingsService } from './identity-settings.service';

/** Insider's IRM settings (SPEC §4), managed over GraphQL with canManageIdentities. */
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
  updateIdentitySettings(@Args('data') data: IdentitySettingsInput, @Actor() actor: ActorType) {
    return this.settings.update(data, actor);
  }
}
