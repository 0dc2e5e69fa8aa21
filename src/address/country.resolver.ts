import { Query, Resolver } from '@nestjs/graphql';
import { Public } from '../auth/decorators';
import { toCountry } from './address.mapper';
import { Country } from './country.model';
import { CountryService } from './country.service';

@Resolver(() => Country)
export class CountryResolver {
  constructor(private readonly countryService: CountryService) {}

  @Query(() => [Country], { description: 'Every ISO 3166-1 country. Public.' })
  @Public()
  async countries(): Promise<Country[]> {
    return this.countryService.list().map(toCountry);
  }
}
