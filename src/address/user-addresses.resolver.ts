import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { LoaderRegistry, Loaders } from '../common/loaders';
import { User } from '../user/user.model';
import { toAddress } from './address.mapper';
import { Address } from './address.model';
import { AddressService } from './address.service';

/** `User.addresses`, oldest first, batched per request. Whoever may read the user may read them. */
@Resolver(() => User)
export class UserAddressesResolver {
  constructor(private readonly addressService: AddressService) {}

  @ResolveField(() => [Address], { nullable: true })
  async addresses(@Parent() user: User, @Loaders() loaders: LoaderRegistry): Promise<Address[]> {
    const rows = await loaders
      .get('User.addresses', (ids: readonly string[]) => this.addressService.byUserIds(ids))
      .load(user.id);
    return rows.map(toAddress);
  }
}
