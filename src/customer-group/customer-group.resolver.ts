import { Args, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow, FieldAllow } from '../auth/decorators';
import { Permission } from '../auth/permissions';
import { argumentsKey, LoaderRegistry, Loaders } from '../common/loaders';
import { UserWhereInput, UsersArgs } from '../user/dto/user.input';
import { toUser } from '../user/user.mapper';
import { User } from '../user/user.model';
import { toCustomerGroup } from './customer-group.mapper';
import { CustomerGroup } from './customer-group.model';
import { CustomerGroupService } from './customer-group.service';
import {
  CustomerGroupCountArgs,
  CustomerGroupCreateInput,
  CustomerGroupListArgs,
  CustomerGroupUpdateInput,
  CustomerGroupWhereUniqueInput,
} from './dto/customer-group.input';

/** The members of a group are account data: a customer sees their groups' id, name and metadata only. */
const MEMBER_READERS = [Permission.CanReadUsers, Permission.CanManageUsers];

/** Customer groups (SPEC §3.3): managed with canManageUsers, read with canReadUsers. */
@Resolver(() => CustomerGroup)
export class CustomerGroupResolver {
  constructor(private readonly groups: CustomerGroupService) {}

  @Mutation(() => CustomerGroup, { nullable: true })
  @Allow(Permission.CanManageUsers)
  async createCustomerGroup(
    @Actor() actor: ActorType,
    @Args('data') data: CustomerGroupCreateInput,
  ): Promise<CustomerGroup> {
    return toCustomerGroup(await this.groups.create(actor, data));
  }

  @Mutation(() => CustomerGroup, { nullable: true })
  @Allow(Permission.CanManageUsers)
  async updateCustomerGroup(
    @Actor() actor: ActorType,
    @Args('where') where: CustomerGroupWhereUniqueInput,
    @Args('data') data: CustomerGroupUpdateInput,
  ): Promise<CustomerGroup> {
    return toCustomerGroup(await this.groups.update(actor, where, data));
  }

  @Mutation(() => CustomerGroup, { nullable: true, description: 'Deletes the group; returns it as it was.' })
  @Allow(Permission.CanManageUsers)
  async deleteCustomerGroup(
    @Actor() actor: ActorType,
    @Args('where') where: CustomerGroupWhereUniqueInput,
  ): Promise<CustomerGroup> {
    return toCustomerGroup(await this.groups.delete(actor, where));
  }

  @Query(() => CustomerGroup, { nullable: true })
  @Allow(Permission.CanReadUsers, Permission.CanManageUsers)
  async customerGroup(@Args('where') where: CustomerGroupWhereUniqueInput): Promise<CustomerGroup | null> {
    const group = await this.groups.findOne(where);
    return group ? toCustomerGroup(group) : null;
  }

  @Query(() => [CustomerGroup], { nullable: true })
  @Allow(Permission.CanReadUsers, Permission.CanManageUsers)
  async customerGroups(@Args() args: CustomerGroupListArgs): Promise<CustomerGroup[]> {
    return (await this.groups.list(args)).map(toCustomerGroup);
  }

  @Query(() => Int, { nullable: true })
  @Allow(Permission.CanReadUsers, Permission.CanManageUsers)
  customerGroupsCount(@Args() args: CustomerGroupCountArgs): Promise<number> {
    return this.groups.count(args.where);
  }

  @ResolveField(() => [User], {
    nullable: true,
    description:
      'The members: needs canReadUsers or canManageUsers. Oldest account first without orderBy; take at most 1000 (the default), counted per group',
  })
  @FieldAllow(...MEMBER_READERS)
  async users(
    @Parent() group: CustomerGroup,
    @Args() args: UsersArgs,
    @Loaders() loaders: LoaderRegistry,
  ): Promise<User[]> {
    const rows = await loaders
      .get(`CustomerGroup.users ${argumentsKey(args)}`, (ids: readonly string[]) =>
        this.groups.usersByGroupIds(ids, args),
      )
      .load(group.id);
    return rows.map(toUser);
  }

  @ResolveField(() => Int, {
    nullable: true,
    description: 'How many members (matching `where`, as `users` takes it): needs canReadUsers or canManageUsers',
  })
  @FieldAllow(...MEMBER_READERS)
  usersCount(
    @Parent() group: CustomerGroup,
    @Loaders() loaders: LoaderRegistry,
    @Args('where', { type: () => UserWhereInput, nullable: true }) where?: UserWhereInput | null,
  ): Promise<number> {
    return loaders
      .get(`CustomerGroup.usersCount ${argumentsKey({ where })}`, (ids: readonly string[]) =>
        this.groups.countsByGroupIds(ids, where),
      )
      .load(group.id);
  }
}
