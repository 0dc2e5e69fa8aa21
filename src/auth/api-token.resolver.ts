import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiToken, CreatedApiToken } from './api-token.model';
import { ApiTokenService, toApiToken } from './api-token.service';
import { Actor as ActorType } from './actor';
import { Actor, Allow } from './decorators';
import { ApiTokenCreateInput } from './dto/api-token.input';
import { Permission } from './permissions';

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  constructor(private readonly tokenService: ApiTokenService) {}

  @Mutation(() => CreatedApiToken, { nullable: true })
  @Allow(Permission.CanManageApiTokens)
  async createApiToken(@Args('data') data: ApiTokenCreateInput, @Actor() actor: ActorType) {
    const { token, apiToken } = await this.tokenService.create(data.name, data.scopes, actor);
    return { token, apiToken: toApiToken(apiToken) };
  }

  @Query(() => [ApiToken])
  @Allow(Permission.CanManageApiTokens)
  async apiTokens() {
    return (await this.tokenService.list()).map(toApiToken);
  }

  @Mutation(() => ApiToken, { nullable: true })
  @Allow(Permission.CanManageApiTokens)
  async revokeApiToken(@Args('id', { type: () => ID }) id: string, @Actor() actor: ActorType) {
    return toApiToken(await this.tokenService.revoke(id, actor));
  }
}
