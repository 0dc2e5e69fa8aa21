import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { LoaderRegistry, Loaders } from '../common/loaders';
import { User } from '../user/user.model';
import { toCustomerGroup } from './customer-group.mapper';
import { CustomerGroup } from './customer-group.model';
import { CustomerGroupService } from './customer-group.service';

/** `User.customerGroups`, by name, batched per request. Whoever may read the user may read them. */
@Resolver(() => User)
export class UserCustomerGroupsResolver {
  constructor(private readonly groups: CustomerGroupService) {}

  @ResolveField(() => [CustomerGroup], { nullable: true })
  async customerGroups(@Parent() user: User, @Loaders() loaders: LoaderRegistry): Promise<CustomerGroup[]> {
    const rows = await loaders
      .get('User.customerGroups', (ids: readonly string[]) => this.groups.groupsByUserIds(ids))
      .load(user.id);
    return rows.map(toCustomerGroup);
  }
}
