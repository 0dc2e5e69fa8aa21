import { Args, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { argumentsKey, LoaderRegistry, Loaders } from '../common/loaders';
import { User } from '../user/user.model';
import { toAddress } from './address.mapper';
import { AddressEntity } from './address.entity';
import { Address } from './address.model';
import { AddressService } from './address.service';
import { UserAddressesArgs } from './dto/address.input';

/**
 * `User.addresses` with Keystone's `where`, `orderBy`, `take`, `skip`, and Openfront's `billingAddress`,
 * batched per request: one DataLoader (one statement) per distinct set of arguments. Whoever may read
 * the user may read them.
 */
@Resolver(() => User)
export class UserAddressesResolver {
  constructor(private readonly addressService: AddressService) {}

  @ResolveField(() => [Address], {
    nullable: true,
    description: 'Oldest first after orderBy; take at most 1000 (the default), counted per user',
  })
  async addresses(
    @Parent() user: User,
    @Args() args: UserAddressesArgs,
    @Loaders() loaders: LoaderRegistry,
  ): Promise<Address[]> {
    return (await this.load(loaders, user.id, args)).map(toAddress);
  }

  @ResolveField(() => Address, {
    nullable: true,
    description: 'The address marked isBilling, or null (Openfront)',
  })
  async billingAddress(@Parent() user: User, @Loaders() loaders: LoaderRegistry): Promise<Address | null> {
    // From the same batch as `addresses` without arguments: a user has at most 100 addresses.
    const billing = (await this.load(loaders, user.id, {})).find((a) => a.isBilling);
    return billing ? toAddress(billing) : null;
  }

  private load(loaders: LoaderRegistry, userId: string, args: UserAddressesArgs): Promise<AddressEntity[]> {
    return loaders
      .get(`User.addresses ${argumentsKey(args)}`, (ids: readonly string[]) => this.addressService.byUserIds(ids, args))
      .load(userId);
  }
}
