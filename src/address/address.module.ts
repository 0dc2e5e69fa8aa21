import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '../user/user.entity';
import { AddressEntity } from './address.entity';
import { AddressResolver } from './address.resolver';
import { AddressService } from './address.service';
import { CountryEntity } from './country.entity';
import { CountryResolver } from './country.resolver';
import { CountryService } from './country.service';
import { UserAddressesResolver } from './user-addresses.resolver';

/** Addresses and countries (SPEC §3.2). AddressService.applyForUser is the accounts module's entry point. */
@Module({
  imports: [TypeOrmModule.forFeature([CountryEntity, AddressEntity, UserEntity])],
  providers: [CountryService, CountryResolver, AddressService, AddressResolver, UserAddressesResolver],
  exports: [CountryService, AddressService],
})
export class AddressModule {}
