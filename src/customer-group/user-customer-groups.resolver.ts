import { Args, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { argumentsKey, LoaderRegistry, Loaders } from '../common/loaders';
import { User } from '../user/user.model';
import { toCustomerGroup } from './customer-group.mapper';
import { CustomerGroup } from './customer-group.model';
import { CustomerGroupService } from './customer-group.service';
import { CustomerGroupListArgs } from './dto/customer-group.input';

/**
 * `User.customerGroups` with Keystone's `where`, `orderBy`, `take`, `skip` (by name after orderBy),
 * batched per request. Whoever may read the user may read them.
 */
@Resolver(() => User)
export class UserCustomerGroupsResolver {
  constructor(private readonly groups: CustomerGroupService) {}

  @ResolveField(() => [CustomerGroup], {
    nullable: true,
    description: 'By name after orderBy; take at most 1000 (the default), counted per user',
  })
  async customerGroups(
    @Parent() user: User,
    @Args() args: CustomerGroupListArgs,
    @Loaders() loaders: LoaderRegistry,
  ): Promise<CustomerGroup[]> {
    const rows = await loaders
      .get(`User.customerGroups ${argumentsKey(args)}`, (ids: readonly string[]) =>
        this.groups.groupsByUserIds(ids, args),
      )
      .load(user.id);
    return rows.map(toCustomerGroup);
  }
}
