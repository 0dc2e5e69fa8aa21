import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** ISO 3166-1 countries, loaded by a migration from i18n-iso-countries. The id is the alpha-2 code. */
@Entity('countries')
export class CountryEntity {
  @PrimaryColumn({ type: 'varchar', length: 2 }) id!: string;
  @Index('uq_countries_iso2', { unique: true })
  @Column({ type: 'varchar', length: 2 })
  iso2!: string;
  @Column({ type: 'varchar', length: 3, nullable: true }) iso3!: string | null;
  @Column({ type: 'varchar', length: 100 }) name!: string;
}
