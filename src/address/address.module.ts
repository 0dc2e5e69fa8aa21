import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AddressEntity } from './address.entity';
import { CountryEntity } from './country.entity';
import { CountryResolver } from './country.resolver';
import { CountryService } from './country.service';

@Module({
  imports: [TypeOrmModule.forFeature([CountryEntity, AddressEntity])],
  providers: [CountryService, CountryResolver],
  exports: [CountryService],
})
export class AddressModule {}
