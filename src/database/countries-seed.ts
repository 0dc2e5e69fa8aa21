import * as countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json';
import { QueryRunner } from 'typeorm';

countries.registerLocale(en);

/** Every ISO 3166-1 country from i18n-iso-countries: alpha-2 (also the id), alpha-3, English name. */
export function isoCountries(): { iso2: string; iso3: string; name: string }[] {
  const alpha2to3 = countries.getAlpha2Codes();
  return Object.keys(alpha2to3)
    .filter((iso2) => iso2 !== 'XK') // Kosovo's user-assigned code is not part of ISO 3166-1
    .map((iso2) => ({ iso2, iso3: countries.alpha2ToAlpha3(iso2) ?? '', name: countries.getName(iso2, 'en') ?? iso2 }))
    .sort((a, b) => a.iso2.localeCompare(b.iso2));
}

/** Inserts the countries that are missing (one statement; placeholders differ per engine). */
export async function seedCountries(queryRunner: QueryRunner, placeholder: (n: number) => string): Promise<void> {
  const rows = isoCountries();
  const values: string[] = [];
  const params: string[] = [];
  for (const c of rows) {
    const base = params.length;
    values.push(
      `(${placeholder(base + 1)}, ${placeholder(base + 2)}, ${placeholder(base + 3)}, ${placeholder(base + 4)})`,
    );
    params.push(c.iso2, c.iso2, c.iso3, c.name);
  }
  await queryRunner.query(
    `INSERT INTO "countries" ("id", "iso2", "iso3", "name") VALUES ${values.join(', ')} ON CONFLICT ("id") DO NOTHING`,
    params,
  );
}
