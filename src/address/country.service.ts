import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { indexBy } from '../common/loaders';
import { CountryEntity } from './country.entity';

@Injectable()
export class CountryService {
  private all: Promise<CountryEntity[]> | null = null;

  constructor(@InjectRepository(CountryEntity) private readonly countries: Repository<CountryEntity>) {}

  /** Every country, ordered by name; the table is static, so it is read once per process. */
  list(): Promise<CountryEntity[]> {
    this.all ??= this.countries.find({ order: { name: 'ASC' } }).catch((e) => {
      this.all = null;
      throw e;
    });
    return this.all;
  }

  async byIds(ids: readonly string[]): Promise<(CountryEntity | null)[]> {
    const rows = await this.countries.findBy({ id: In([...ids]) });
    return indexBy(ids, rows, (c) => c.id);
  }
}
