import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Permission } from '../auth/permissions';
import { RoleCreateInput, RoleUpdateInput, RoleWhereUniqueInput } from './dto/user.input';
import { toRole } from './user.mapper';
import { Role } from './user.model';
import { RoleService } from './role.service';

@Resolver(() => Role)
export class RoleResolver {
  constructor(private readonly roleService: RoleService) {}

  @Query(() => [Role])
  @Allow(Permission.CanManageRoles)
  async roles() {
    return (await this.roleService.list()).map(toRole);
  }

  @Mutation(() => Role)
  @Allow(Permission.CanManageRoles)
  async createRole(@Args('data') data: RoleCreateInput, @Actor() actor: ActorType) {
    return toRole(await this.roleService.create(data, actor));
  }

  @Mutation(() => Role)
  @Allow(Permission.CanManageRoles)
  async updateRole(
    @Args('where') where: RoleWhereUniqueInput,
    @Args('data') data: RoleUpdateInput,
    @Actor() actor: ActorType,
  ) {
    return toRole(await this.roleService.update(where, data, actor));
  }
}
