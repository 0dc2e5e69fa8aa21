import { EntityManager } from 'typeorm';

/**
 * Runs hand-written SQL on either engine: write PostgreSQL placeholders ($1, $2, …); on SQLite they
 * become `?` with the values reordered to match. Used where one statement beats the ORM's several
 * (INSERT … ON CONFLICT, multi-row upserts).
 */
export function query<T = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  if (manager.connection.options.type === 'postgres') return run<T>(manager, text, params);
  // SQLite: `?` placeholders, the values in the order the placeholders appear (a $n may repeat).
  const values: unknown[] = [];
  const sql = text.replace(/\$(\d+)/g, (_m, n: string) => {
    const value = params[Number(n) - 1];
    values.push(typeof value === 'boolean' ? Number(value) : value instanceof Date ? toSqliteDate(value) : value);
    return '?';
  });
  return run<T>(manager, sql, values);
}

/** The rows a statement returns (SELECT, or RETURNING), the same shape on both engines. */
async function run<T>(manager: EntityManager, sql: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, values, true);
    return (result.records ?? []) as T[];
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** `$1, $2, …` for a row of `width` values starting after `offset` values. */
export function placeholders(offset: number, width: number): string {
  return `(${Array.from({ length: width }, (_, i) => `$${offset + i + 1}`).join(', ')})`;
}

/** SQLite stores TypeORM datetimes as 'YYYY-MM-DD HH:MM:SS.SSS' (UTC). */
function toSqliteDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
