import { QueryRunner } from 'typeorm';

/**
 * The email normalisation of the NFKC change, frozen here so the migration keeps doing what it did
 * when common/normalise.ts changes again.
 */
const nfkcEmail = (email: string) => email.normalize('NFKC').trim().toLowerCase().normalize('NFKC');

export interface RenormaliseResult {
  /** rows rewritten to their normalised form */
  updated: number;
  /** ids of rows left as they were because another row already holds their normalised form */
  collisions: string[];
  /** ids of rows left as they were because no write would accept them now (a format character, a trailing dot) */
  invalid: string[];
}

const FORMAT_CHARACTER = /\p{Cf}/u;

/**
 * Emails used to be only trimmed and lower-cased; they are NFKC-normalised now, and every lookup
 * normalises what it is given. A stored address whose NFKC form differs (fullwidth letters, a decomposed
 * accent, a ligature) would no longer be found, so its owner could not sign in: rewrite it. Only
 * non-ASCII values can change (`nonAscii` is each engine's test for it), so the scan is cheap. A row
 * whose normalised form another row already holds is a look-alike duplicate: it cannot be merged
 * automatically, so it is left as it was and reported; so is an address the new rule refuses (a format
 * character such as a zero-width space, a trailing dot), which no rewrite can make right.
 */
export async function renormaliseEmails(
  queryRunner: QueryRunner,
  placeholder: (n: number) => string,
  nonAscii: (column: string) => string,
): Promise<{ users: RenormaliseResult; identifiers: RenormaliseResult }> {
  const p = placeholder;
  const users = await renormalise(
    queryRunner,
    `SELECT "id", "email" AS "value" FROM "users" WHERE ${nonAscii('"email"')} OR "email" LIKE '%.'`,
    `SELECT 1 FROM "users" WHERE "email" = ${p(1)}`,
    `UPDATE "users" SET "email" = ${p(1)} WHERE "id" = ${p(2)}`,
  );
  const identifiers = await renormalise(
    queryRunner,
    `SELECT "id", "value" FROM "identity_identifiers" WHERE "type" = 'email' AND (${nonAscii('"value"')} OR "value" LIKE '%.')`,
    `SELECT 1 FROM "identity_identifiers" WHERE "type" = 'email' AND "value" = ${p(1)}`,
    `UPDATE "identity_identifiers" SET "value" = ${p(1)} WHERE "id" = ${p(2)}`,
  );
  return { users, identifiers };
}

async function renormalise(
  queryRunner: QueryRunner,
  select: string,
  taken: string,
  update: string,
): Promise<RenormaliseResult> {
  const rows = (await queryRunner.query(select)) as { id: string; value: string }[];
  const result: RenormaliseResult = { updated: 0, collisions: [], invalid: [] };
  for (const row of rows) {
    const normalised = nfkcEmail(row.value);
    if (FORMAT_CHARACTER.test(normalised) || normalised.endsWith('.')) {
      result.invalid.push(row.id);
      continue;
    }
    if (normalised === row.value) continue;
    if (((await queryRunner.query(taken, [normalised])) as unknown[]).length > 0) {
      result.collisions.push(row.id);
      continue;
    }
    await queryRunner.query(update, [normalised, row.id]);
    result.updated++;
  }
  return result;
}

/** One line for the start log naming the rows (by id, never by address) an operator must resolve. */
export function renormaliseReport(result: { users: RenormaliseResult; identifiers: RenormaliseResult }): string | null {
  const { users, identifiers } = result;
  const ids = (list: string[]) => `[${list.join(', ')}]`;
  const parts: string[] = [];
  if (users.collisions.length || identifiers.collisions.length) {
    parts.push(
      'these rows were left as they were because another row already holds the same address once ' +
        `normalised (merge or change them by hand): users ${ids(users.collisions)}, identity_identifiers ` +
        ids(identifiers.collisions),
    );
  }
  if (users.invalid.length || identifiers.invalid.length) {
    parts.push(
      'these rows hold an address that is refused now (a format character or a trailing dot: correct ' +
        `them by hand): users ${ids(users.invalid)}, identity_identifiers ${ids(identifiers.invalid)}`,
    );
  }
  return parts.length ? `Email normalisation (NFKC): ${parts.join('; ')}` : null;
}
