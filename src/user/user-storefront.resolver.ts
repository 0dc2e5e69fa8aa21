import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { splitName } from './user-name';
import { User } from './user.model';

/**
 * The `User` fields Openfront's storefront reads besides Keystone's own (SPEC §12): computed from the
 * user or constant, so they cost no query. `billingAddress` is in the address module.
 */
@Resolver(() => User)
export class UserStorefrontResolver {
  @ResolveField(() => String, {
    nullable: true,
    description: 'The first word of name ("" without a name), as Openfront derives it',
  })
  firstName(@Parent() user: User): string {
    return splitName(user.name).firstName;
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'The rest of name after the first word, a middle initial included ("" for a one-word name)',
  })
  lastName(@Parent() user: User): string {
    return splitName(user.name).lastName;
  }

  @ResolveField(() => String, {
    nullable: true,
    description:
      'Always null: only a hash of the customer token is stored. regenerateCustomerToken answers a new token, once.',
  })
  customerToken(): null {
    return null;
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Always null: carts live in the commerce engine, not in Identity Hub',
  })
  activeCartId(): null {
    return null;
  }
}
