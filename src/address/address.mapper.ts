import { Address } from './address.model';
import { AddressEntity } from './address.entity';
import { Country } from './country.model';
import { CountryEntity } from './country.entity';

export function toAddress(entity: AddressEntity): Address {
  return {
    id: entity.id,
    firstName: entity.firstName,
    lastName: entity.lastName,
    company: entity.company,
    address1: entity.address1,
    address2: entity.address2,
    city: entity.city,
    province: entity.province,
    postalCode: entity.postalCode,
    phone: entity.phone,
    isBilling: entity.isBilling,
    userId: entity.userId,
    countryId: entity.countryId,
  };
}

export function toCountry(entity: CountryEntity): Country {
  return { id: entity.id, iso2: entity.iso2, iso3: entity.iso3, name: entity.name };
}
