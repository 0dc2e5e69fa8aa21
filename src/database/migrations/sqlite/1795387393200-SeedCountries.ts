import { MigrationInterface, QueryRunner } from 'typeorm';
import { seedCountries } from '../../countries-seed';

export class SeedCountries1795387393200 implements MigrationInterface {
  name = 'SeedCountries1795387393200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await seedCountries(queryRunner, () => '?');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM "countries"');
  }
}
