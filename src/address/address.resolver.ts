import { Args, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Access } from '../auth/permissions';
import { LoaderRegistry, Loaders } from '../common/loaders';
import { toUser } from '../user/user.mapper';
import { User } from '../user/user.model';
import { toAddress, toCountry } from './address.mapper';
import { Address } from './address.model';
import { AddressService } from './address.service';
import { Country } from './country.model';
import { CountryService } from './country.service';
import { AddressCreateInput, AddressUpdateInput, AddressWhereUniqueInput } from './dto/address.input';

/** The signed-in user's own addresses (SPEC §3.2; a session or a customer token). */
@Resolver(() => Address)
export class AddressResolver {
  constructor(
    private readonly addressService: AddressService,
    private readonly countryService: CountryService,
  ) {}

  @Mutation(() => User, { nullable: true, description: 'Adds an address; returns the signed-in user.' })
  @Allow(Access.Authenticated)
  async createActiveUserAddress(@Actor() actor: ActorType, @Args('data') data: AddressCreateInput) {
    return toUser(await this.addressService.createForActor(actor, data));
  }

  @Mutation(() => User, { nullable: true, description: 'Changes one of your addresses; returns the signed-in user.' })
  @Allow(Access.Authenticated)
  async updateActiveUserAddress(
    @Actor() actor: ActorType,
    @Args('where') where: AddressWhereUniqueInput,
    @Args('data') data: AddressUpdateInput,
  ) {
    return toUser(await this.addressService.updateForActor(actor, where, data));
  }

  @Mutation(() => Address, { nullable: true, description: 'Deletes one of your addresses; returns it as it was.' })
  @Allow(Access.Authenticated)
  async deleteActiveUserAddress(@Actor() actor: ActorType, @Args('where') where: AddressWhereUniqueInput) {
    return toAddress(await this.addressService.deleteForActor(actor, where));
  }

  @ResolveField(() => Country, { nullable: true })
  async country(@Parent() address: Address, @Loaders() loaders: LoaderRegistry): Promise<Country | null> {
    if (!address.countryId) return null;
    const country = await loaders
      .get('Address.country', (ids: readonly string[]) => this.countryService.byIds(ids))
      .load(address.countryId);
    return country ? toCountry(country) : null;
  }

  @ResolveField(() => User, { nullable: true })
  async user(@Parent() address: Address, @Loaders() loaders: LoaderRegistry): Promise<User | null> {
    const user = await loaders
      .get('Address.user', (ids: readonly string[]) => this.addressService.usersByIds(ids))
      .load(address.userId);
    return user && toUser(user);
  }
}
