import { Logger } from '@nestjs/common';
import { hash } from 'node:crypto';
import * as pg from 'pg';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { readContext } from './read-context';

/** node-postgres's own conversion of a parameter to its text form (not in its type declarations). */
const pgUtils = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;

/** Rows per multi-row statement or ids per `IN (…)` list: well under both engines' parameter limits. */
export const ROWS_PER_STATEMENT = 1000;
/** Parameters one statement may carry (SQLite allows 32,766, PostgreSQL 65,535). */
const PARAMS_PER_STATEMENT = 30_000;

/**
 * Runs hand-written SQL on either engine: write PostgreSQL placeholders ($1, $2, …); on SQLite they
 * become `?` with the values reordered to match. Used where one statement beats the ORM's several
 * (INSERT … ON CONFLICT, multi-row upserts).
 */
export function query<T = Record<string, unknown>>(
  manager: EntityManager,
  statement: string | PreparedStatement,
  params: unknown[] = [],
): Promise<T[]> {
  const text = typeof statement === 'string' ? statement : statement.text;
  if (isPostgres(manager)) {
    const runner = manager.queryRunner;
    const naming = namedStatements.get(manager.connection) === true;
    // a read this request sends to a replica goes through TypeORM's runner, which the replicas route
    if (!runner && !readContext.getStore()?.replica) {
      const named = typeof statement === 'string' ? (naming ? repeatedStatement(statement) : null) : statement;
      if (named) return runPrepared<T>(manager.connection, named, params);
    } else if (runner?.isTransactionActive && naming) {
      const named = typeof statement === 'string' ? repeatedStatement(statement) : statement;
      if (named) return runPreparedIn<T>(manager, named, params);
    }
    return run<T>(manager, text, params);
  }
  // SQLite: `?` placeholders, the values in the order the placeholders appear (a $n may repeat).
  const values: unknown[] = [];
  const sql = text.replace(/\$(\d+)/g, (_m, n: string) => {
    const value = params[Number(n) - 1];
    values.push(typeof value === 'boolean' ? Number(value) : value instanceof Date ? toSqliteDate(value) : value);
    return '?';
  });
  return run<T>(manager, sql, values);
}

export function isPostgres(manager: EntityManager): boolean {
  return manager.connection.options.type === 'postgres';
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

/**
 * A write statement of a hot path, declared once at module level with `prepared(name, text)`. Outside a
 * transaction on PostgreSQL it goes straight to the primary's pool (no TypeORM query runner made and
 * released around it) and, with DATABASE_PREPARED_STATEMENTS on, as a *named* prepared statement: each
 * connection parses and plans it once, then only binds and runs it. That halves what PostgreSQL spends on
 * the REST PATCH (see the README's benchmarks). Inside a transaction it is named too, on the
 * transaction's connection; on SQLite it is plain SQL. Only fixed texts are declared (and preparedText
 * and repeatedStatement name at most SHAPED_MAX more), so each connection holds a bounded set.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const declared = new Set<string>();

export function prepared(name: string, text: string): PreparedStatement {
  if (declared.has(name)) throw new Error(`The prepared statement "${name}" is declared twice`);
  declared.add(name);
  return { name: `ih_${name}`, text };
}

/** Texts a process names with preparedText, by text. */
const shaped = new Map<string, PreparedStatement>();
/** Texts one process names at most; beyond, they run as plain statements (a connection's set stays bounded). */
export const SHAPED_MAX = 128;

/**
 * A prepared statement for a text a hot path builds at run time from a small set of shapes (the columns
 * a patch sets, the columns of an entity): named `ih_<family>_<16 hex of the text's SHA-256>`, so a text
 * has the same name on every connection and every process, and a connection prepares each shape once. At
 * most SHAPED_MAX texts are named; any more run as plain SQL.
 */
export function preparedText(family: string, text: string): PreparedStatement | string {
  const known = shaped.get(text);
  if (known) return known;
  if (shaped.size >= SHAPED_MAX) return text;
  const statement = { name: `ih_${family}_${hash('sha256', text, 'hex').slice(0, 16)}`, text };
  shaped.set(text, statement);
  return statement;
}

/** How often a text was sent unnamed, until it is named (repeatedStatement); bounded. */
const seen = new Map<string, number>();
const SEEN_MAX = 2000;
/** A statement is named on its third use: the hot paths' texts, not one-off ones. */
export const NAME_ON_USE = 3;
/** Data statements only, short ones, and none with `*` (a prepared result must not change, see columnList). */
const NAMEABLE = /^(SELECT|INSERT|UPDATE|DELETE|WITH)\s/;
const NAMEABLE_MAX_LENGTH = 4000;

/**
 * A hand-written statement (query() with a string, in a transaction or on the pool), named
 * (preparedText, family `auto`) once the same text has run NAME_ON_USE times: these texts come in a few
 * shapes each (a row count, a set of columns), so the hot ones are planned once per connection without
 * declaring them one by one. null: sent unnamed this time.
 */
function repeatedStatement(text: string): PreparedStatement | null {
  const known = shaped.get(text);
  if (known) return known;
  if (shaped.size >= SHAPED_MAX || text.length > NAMEABLE_MAX_LENGTH || !NAMEABLE.test(text) || text.includes('*'))
    return null;
  const uses = (seen.get(text) ?? 0) + 1;
  if (uses < NAME_ON_USE) {
    if (seen.size >= SEEN_MAX) seen.clear();
    seen.set(text, uses);
    return null;
  }
  seen.delete(text);
  const named = preparedText('auto', text);
  return typeof named === 'string' ? null : named;
}

/** Whether a data source sends named prepared statements (set at start from DATABASE_PREPARED_STATEMENTS). */
const namedStatements = new WeakMap<DataSource, boolean>();

export function usePreparedStatements(dataSource: DataSource, on: boolean): void {
  namedStatements.set(dataSource, on);
}

interface PgPool {
  query<T>(query: pg.Query): Promise<{ rows: T[] }>;
}

/**
 * The query object node-postgres runs, made from the text (a string is the cheap path of its config
 * normalisation; a config object is copied with its property descriptors, 1.5 µs a query), then named.
 * A Query is node-postgres's own submittable, so the pool hands it to a client as it is.
 */
function pgQuery(
  text: string,
  values: unknown[],
  name?: string,
  callback?: (error: Error | undefined, result: pg.QueryResult) => void,
): pg.Query {
  const query = new pg.Query(text, values, callback);
  if (name) (query as pg.Query & { name?: string }).name = name;
  return query;
}

/**
 * PostgreSQL's answers when a pooler in transaction mode put a named statement on another server
 * connection than the one that prepared it (26000: it does not exist there; 42P05: it already does).
 */
const LOST_STATEMENT = new Set(['26000', '42P05']);

async function runPrepared<T>(dataSource: DataSource, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  // The primary's pool: TypeORM's PostgresDriver keeps it as `master` (with and without replication).
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  dataSource.logger.logQuery(statement.text, values); // as TypeORM's runners do (the round-trip specs count these)
  if (!namedStatements.get(dataSource)) return (await pool.query<T>(pgQuery(statement.text, values))).rows;
  try {
    return (await pool.query<T>(pgQuery(statement.text, values, statement.name))).rows;
  } catch (error) {
    if (!LOST_STATEMENT.has((error as { code?: string }).code ?? '')) throw error;
    // Nothing ran (the statement failed at Parse or Bind): send it unnamed from now on, and say why once.
    stopNaming(dataSource);
    return (await pool.query<T>(pgQuery(statement.text, values))).rows;
  }
}

/** A statement and its values, built before it is sent (insertStatements, overlapped). */
export interface Statement {
  text: string;
  values: unknown[];
}

/** Runs statements one after the other (query: PostgreSQL placeholders, either engine). */
export async function runAll(manager: EntityManager, statements: readonly Statement[]): Promise<void> {
  for (const statement of statements) await query(manager, statement.text, statement.values);
}

/**
 * The statements each builder makes, in their order, in the caller's transaction: on PostgreSQL a
 * builder runs (its rows, hashes and JSON: the synchronous part) while the statements before it are on
 * their way or running, and `meanwhile` runs once the last is sent, while it runs. One statement at a
 * time still (node-postgres deprecates queueing a query behind another on one client); a failure stops
 * the rest and is thrown. Without a transaction, or on SQLite: build, run, build, run, then `meanwhile`.
 */
export async function overlapped(
  manager: EntityManager,
  builders: readonly (() => readonly Statement[])[],
  meanwhile?: () => void,
): Promise<void> {
  if (!isPostgres(manager) || !manager.queryRunner) {
    for (const build of builders) await runAll(manager, build());
    meanwhile?.();
    return;
  }
  let running: Promise<unknown> = Promise.resolve();
  const send = (statement: Statement) => {
    running = query(manager, statement.text, statement.values);
    running.catch(() => undefined); // awaited below, before anything else is sent
  };
  for (const build of builders) {
    for (const statement of build()) {
      await running;
      send(statement);
      // TypeORM's runner awaits before it hands the statement to node-postgres: one turn of the event
      // loop and it is on the wire, so the next builder runs while PostgreSQL works
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  meanwhile?.();
  await running;
}

/**
 * Thrown for a named statement a pooler lost inside a transaction: the transaction is aborted, so
 * TransactionService runs it once more, with named statements now off.
 */
export class LostPreparedStatementError extends Error {
  constructor(cause: unknown) {
    super('PostgreSQL lost a named prepared statement inside a transaction', { cause });
  }
}

/** A named statement on the connection of the caller's transaction (TypeORM's runner holds it). */
async function runPreparedIn<T>(manager: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  const client = (manager.queryRunner as unknown as { databaseConnection?: pg.ClientBase }).databaseConnection;
  if (!client) return run<T>(manager, statement.text, values);
  manager.connection.logger.logQuery(statement.text, values); // as TypeORM's runners do (the round-trip specs count these)
  try {
    return await new Promise<T[]>((resolve, reject) => {
      client.query(
        pgQuery(statement.text, values, statement.name, (error, result) =>
          error ? reject(error) : resolve(result.rows as T[]),
        ),
      );
    });
  } catch (error) {
    if (!LOST_STATEMENT.has((error as { code?: string }).code ?? '')) throw error;
    stopNaming(manager.connection);
    throw new LostPreparedStatementError(error);
  }
}

/** Named statements off for good, with one warning naming the setting. */
function stopNaming(dataSource: DataSource): void {
  if (namedStatements.get(dataSource) === false) return;
  namedStatements.set(dataSource, false);
  new Logger('Database').warn(
    'PostgreSQL lost a named prepared statement: a connection pooler in transaction mode is in between. ' +
      'Sending unnamed statements from now on; set DATABASE_PREPARED_STATEMENTS=false for this setup.',
  );
}

/** `$o+1, $o+2, …`: the placeholders of `count` values after `offset` values, for `IN (…)`. */
export function inList(count: number, offset = 0): string {
  return Array.from({ length: count }, (_, i) => `$${offset + i + 1}`).join(', ');
}

/** `($o+1, …, $o+width)`: one row of `width` values after `offset` values. */
export function placeholders(offset: number, width: number): string {
  return `(${inList(width, offset)})`;
}

/** The items in slices of at most `size` (none for no items). */
export function chunked<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `INSERT INTO <into> VALUES (…), (…)<tail>`: every row in as few statements as the parameter limit
 * allows (one for up to 30,000 values). `into` names the table and its columns; rows are value lists.
 */
export async function insertRows(manager: EntityManager, into: string, rows: unknown[][], tail = ''): Promise<void> {
  await runAll(manager, valuesStatements(into, rows, tail));
}

/** The statements of insertRows. */
function valuesStatements(into: string, rows: readonly unknown[][], tail: string): Statement[] {
  if (!rows.length) return [];
  const width = rows[0].length;
  return chunked(rows, Math.floor(PARAMS_PER_STATEMENT / width)).map((chunk) => {
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const p = placeholders(values.length, width);
      values.push(...row);
      return p;
    });
    return { text: `INSERT INTO ${into} VALUES ${tuples.join(', ')}${tail}`, values };
  });
}

/** A column and its PostgreSQL type (for the column arrays of `insertMany`). */
export type TypedColumn = readonly [name: string, type: string];

/** Rows (or ids, or identifier pairs) from which PostgreSQL gets arrays: fewer plan faster as plain lists. */
export const ARRAYS_FROM = 10;

/**
 * A column's values as one JSON array of text (or null), each value first turned into the text
 * node-postgres would send for it as a parameter (a Date in its form, a number or a boolean as its
 * string), so that PostgreSQL reads the same value through the column type's input.
 */
function jsonColumn(rows: readonly unknown[][], i: number): string {
  const texts = new Array<string | null>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const value = rows[r][i];
    if (typeof value === 'string' || value === null || value === undefined) texts[r] = value ?? null;
    else {
      const text = pgUtils.prepareValue(value);
      if (typeof text !== 'string') throw new TypeError(`insertMany: a value of column ${i + 1} has no text form`);
      texts[r] = text;
    }
  }
  return JSON.stringify(texts);
}

/**
 * The PostgreSQL statement of insertMany: `INSERT INTO <table> (<columns>) SELECT c1::<type>, … FROM ROWS
 * FROM (json_array_elements_text($1::json), …) AS r(c1, …)<tail>`, each column's values as one JSON array
 * parameter, zipped back into rows in their order. A statement of constant size (nothing to parse or
 * plan per row), and each column one `JSON.stringify` here where node-postgres's array literal escaped
 * value by value (bench/audit-insert.mjs has both).
 */
export function columnArraysStatement(
  table: string,
  columns: readonly TypedColumn[],
  rows: readonly unknown[][],
  tail = '',
): { text: string; values: string[] } {
  const names = columns.map(([name]) => name).join(', ');
  const casts = columns.map(([, type], i) => `c${i + 1}::${type}`).join(', ');
  const functions = columns.map((_, i) => `json_array_elements_text($${i + 1}::json)`).join(', ');
  const aliases = columns.map((_, i) => `c${i + 1}`).join(', ');
  return {
    text: `INSERT INTO ${table} (${names}) SELECT ${casts} FROM ROWS FROM (${functions}) AS r(${aliases})${tail}`,
    values: columns.map((_, i) => jsonColumn(rows, i)),
  };
}

/**
 * `INSERT INTO <table> (<columns>) …<tail>` of many rows, in their order. On PostgreSQL, from ten rows
 * on, one JSON array per column (columnArraysStatement): where a VALUES list of 20,000 parameters (the
 * attributes of a /upsert of 1,000 users) took ~45 ms to plan. Fewer rows, and SQLite: multi-row VALUES.
 */
export async function insertMany(
  manager: EntityManager,
  table: string,
  columns: readonly TypedColumn[],
  rows: readonly unknown[][],
  tail = '',
): Promise<void> {
  await runAll(manager, insertStatements(manager, table, columns, rows, tail));
}

/** The statements of insertMany (none for no rows), for overlapped. */
export function insertStatements(
  manager: EntityManager,
  table: string,
  columns: readonly TypedColumn[],
  rows: readonly unknown[][],
  tail = '',
): Statement[] {
  if (!rows.length) return [];
  if (!isPostgres(manager) || rows.length < ARRAYS_FROM) {
    const names = columns.map(([name]) => name).join(', ');
    return valuesStatements(`${table} (${names})`, rows, tail);
  }
  return [columnArraysStatement(table, columns, rows, tail)];
}

const columnLists = new WeakMap<object, Map<string, string>>();

/**
 * An entity's columns as a select list under their own names (`"id", "email", …`, each after
 * `qualifier`: `(r.owner).` gives `(r.owner)."id", …`), for hydrate. Listed rather than `*`: a prepared
 * statement keeps its result when a later migration adds a column to the table (PostgreSQL refuses to
 * run a prepared `SELECT *` whose result type changed since it was prepared).
 */
export function columnList<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  qualifier = '',
): string {
  const metadata = manager.connection.getMetadata(entity);
  let lists = columnLists.get(metadata);
  if (!lists) columnLists.set(metadata, (lists = new Map()));
  let list = lists.get(qualifier);
  if (list === undefined) {
    list = metadata.columns.map((c) => `${qualifier}"${c.databaseName}"`).join(', ');
    lists.set(qualifier, list);
  }
  return list;
}

/**
 * An entity from a row of hand-written SQL that selected its table's columns under their own names
 * (`SELECT t.*`, `RETURNING prior.*`): the values converted as TypeORM converts what it reads.
 */
export function hydrate<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const metadata = manager.connection.getMetadata(entity);
  const result = metadata.create() as T;
  for (const column of metadata.columns) {
    column.setEntityValue(result, manager.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return result;
}

/**
 * Inserts entities in multi-row statements, every column given (ids and timestamps come from the
 * application), each value converted as TypeORM converts what it writes: what `manager.insert` does
 * without its per-row work, and without a RETURNING of defaults nobody reads.
 */
export async function insertEntities<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  entities: readonly T[],
): Promise<void> {
  const { into, rows } = entityRows(manager, entity, entities);
  await insertRows(manager, into, rows);
}

/**
 * What insertEntities writes, for a statement of one's own: `into` is `<table> ("col", …)`, each row
 * the values of every column, converted as TypeORM converts what it writes.
 */
export function entityRows<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  entities: readonly T[],
): { into: string; columns: string[]; rows: unknown[][] } {
  const metadata = manager.connection.getMetadata(entity);
  const columns = metadata.columns.filter((c) => !c.isVirtual);
  const rows = entities.map((e) =>
    columns.map((c) => manager.connection.driver.preparePersistentValue(c.getEntityValue(e), c)),
  );
  const names = columns.map((c) => c.databaseName);
  return { into: `${metadata.tableName} (${names.map((n) => `"${n}"`).join(', ')})`, columns: names, rows };
}

/**
 * A row as a JSON object keyed by column, each value as node-postgres sends a parameter (text, or
 * null): what `jsonb_populate_record(NULL::<table>, $n)` turns back into the table's row, every value
 * through its column type's input, as a parameter would be.
 */
export function rowJson(columns: readonly string[], values: readonly unknown[]): string {
  const row: Record<string, unknown> = {};
  columns.forEach((column, i) => (row[column] = pgUtils.prepareValue(values[i])));
  return JSON.stringify(row);
}

/** SQLite stores TypeORM datetimes as 'YYYY-MM-DD HH:MM:SS.SSS' (UTC). */
function toSqliteDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A datetime as either engine returns it from raw SQL (a Date, or SQLite's UTC text) as a Date. */
export function fromSqlDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}
