import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AppError, isUniqueViolation } from '../common/app-error';
import {
  ARRAYS_FROM,
  chunked,
  fromSqlDate,
  inList,
  insertStatements,
  insertRows,
  isPostgres,
  prepared,
  query,
  runAll,
  Statement,
  TypedColumn,
} from '../database/sql';
import { EVENT_PROFILES_PER_STATEMENT, EventPage, recentEventsStatement } from './event-query';
import { IdentityIdentifierEntity, IdentityProfileEntity } from './identity.entity';
import {
  byText,
  CatalogueEntry,
  catalogueEntries,
  catalogueKey,
  decodeAttribute,
  encodeAttribute,
  identifierKey,
  pairKey,
} from './identity-codec';
import {
  normaliseConditions,
  SegmentCondition,
  segmentCountStatement,
  SegmentPage,
  segmentPageStatement,
} from './segment-query';
import { timeOrderedId } from './time-ordered-id';

/** An identifier as stored: `type` is uuid, email, phone_number or custom:<name>. */
export interface StoredIdentifier {
  profileId: string;
  type: string;
  value: string;
}

/** An attribute as stored, its value decoded (types kept). */
export interface StoredAttribute {
  profileId: string;
  key: string;
  value: unknown;
}

/** A profile's row as raw SQL returns it. */
interface ProfileRow {
  id: string;
  user_id: string | null;
  created_at: string | Date;
  updated_at: string | Date;
}

function toProfile(row: ProfileRow): IdentityProfileEntity {
  const profile = new IdentityProfileEntity();
  profile.id = row.id;
  profile.userId = row.user_id;
  profile.createdAt = fromSqlDate(row.created_at);
  profile.updatedAt = fromSqlDate(row.updated_at);
  return profile;
}

export interface StoredEvent {
  name: string;
  timestamp: Date;
  params: Record<string, unknown>;
}

/** The alias type under which a merged profile's id (its insider_id) leads to its survivor. */
export const INSIDER_ID_ALIAS = 'insider_id';
/** Identifier pairs per `(type = $1 AND value = $2) OR …` statement (800 parameters). */
const PAIRS_PER_STATEMENT = 400;
/** The REST PATCH's one statement: a prepared statement (planned once per connection on PostgreSQL). */
const CHANGE_IDENTIFIER_VALUE = prepared(
  'change-identifier-value',
  'UPDATE identity_identifiers SET value = $1 WHERE type = $2 AND value = $3 ' +
    'AND NOT EXISTS (SELECT 1 FROM identity_suppressions WHERE hash = $4) RETURNING profile_id',
);
/**
 * CHANGE_IDENTIFIER_VALUE for several changes in one statement ($1 new values, $2 types, $3 old values,
 * $4 the new values' suppression hashes): the ordinal (from 1) and profile of each change that was made.
 */
const CHANGE_IDENTIFIER_VALUES = prepared(
  'change-identifier-values',
  'UPDATE identity_identifiers i SET value = c.value ' +
    'FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[]) WITH ORDINALITY AS c(value, type, old_value, hash, n) ' +
    'WHERE i.type = c.type AND i.value = c.old_value ' +
    'AND NOT EXISTS (SELECT 1 FROM identity_suppressions s WHERE s.hash = c.hash) RETURNING c.n, i.profile_id',
);
const ATTRIBUTE_UPSERT =
  ' ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, value_key = excluded.value_key, updated_at = CURRENT_TIMESTAMP';
/**
 * The profile holding an identifier ($1 type, $2 value), or the survivor its alias leads to (SPEC §10; the
 * alias is read only when no identifier is found), taken (marked updated) and answered: writeByIdentifier.
 */
const TAKE =
  'UPDATE identity_profiles SET updated_at = CURRENT_TIMESTAMP WHERE id = (SELECT profile_id FROM identity_identifiers WHERE type = $1 AND value = $2 UNION ALL SELECT profile_id FROM identity_aliases WHERE type = $1 AND value = $2 LIMIT 1) RETURNING id, user_id, created_at, updated_at';
const TAKE_BY_IDENTIFIER = prepared('take-by-identifier', TAKE);
/** TAKE with attributes written to the profile ($3 keys, $4 values, $5 value keys): GraphQL upsertIdentity's one statement. */
const WRITE_BY_IDENTIFIER = prepared(
  'write-by-identifier',
  `WITH p AS (${TAKE}), w AS (INSERT INTO identity_attributes (profile_id, key, value, value_key) ` +
    'SELECT p.id, a.key, a.value, a.value_key FROM p, unnest($3::varchar[], $4::text[], $5::varchar[]) WITH ORDINALITY AS a(key, value, value_key, n) ' +
    `ORDER BY a.n${ATTRIBUTE_UPSERT}) SELECT id, user_id, created_at, updated_at FROM p`,
);
/**
 * ProfileStore.foldSegmentCounts (PostgreSQL): the changes deleted and their sums added, answering how
 * many were folded and the counts that reached 0 ($1 keys, $2 value keys for EMPTIED_SEGMENT_COUNTS).
 */
const FOLD_SEGMENT_COUNTS =
  'WITH gone AS (DELETE FROM identity_segment_count_changes RETURNING key, value_key, n), ' +
  'sums AS (SELECT key, value_key, SUM(n) AS n, COUNT(*) AS changes FROM gone GROUP BY key, value_key), ' +
  'added AS (INSERT INTO identity_segment_counts (key, value_key, n) SELECT key, value_key, n FROM sums ' +
  'ON CONFLICT (key, value_key) DO UPDATE SET n = identity_segment_counts.n + excluded.n RETURNING key, value_key, n) ' +
  'SELECT (SELECT COALESCE(SUM(changes), 0) FROM sums) AS folded, ' +
  'ARRAY(SELECT key FROM added WHERE n = 0 ORDER BY key, value_key) AS keys, ' +
  'ARRAY(SELECT value_key FROM added WHERE n = 0 ORDER BY key, value_key) AS value_keys';
/** Counts that a fold left at 0 (a value nobody has any more), unless a later fold added to them since. */
const EMPTIED_SEGMENT_COUNTS =
  'DELETE FROM identity_segment_counts WHERE (key, value_key) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[])) AND n = 0';
/** Catalogue entries one process remembers as stored (beyond that, a known name costs a no-op insert). */
const RECORDED_MAX = 10_000;

const IDENTITY_TABLES = ['identity_profiles', 'identity_identifiers', 'identity_attributes', 'identity_events'];

const PROFILE_COLUMNS: TypedColumn[] = [
  ['id', 'varchar'],
  ['created_at', 'timestamp'],
  ['updated_at', 'timestamp'],
];
const IDENTIFIER_COLUMNS: TypedColumn[] = [
  ['id', 'varchar'],
  ['profile_id', 'varchar'],
  ['type', 'varchar'],
  ['value', 'varchar'],
];
const ATTRIBUTE_COLUMNS: TypedColumn[] = [
  ['profile_id', 'varchar'],
  ['key', 'varchar'],
  ['value', 'text'],
  ['value_key', 'varchar'],
];
const EVENT_COLUMNS: TypedColumn[] = [
  ['id', 'varchar'],
  ['profile_id', 'varchar'],
  ['event_name', 'varchar'],
  ['timestamp', 'timestamp'],
  ['params', 'text'],
  ['created_at', 'timestamp'],
];

/**
 * The ids in slices for `column IN (…)`, with each slice's condition and parameters: on PostgreSQL (from
 * ten ids on) one slice, `column = ANY($n)` with one array parameter; else slices of ROWS_PER_STATEMENT.
 */
function idSlices(
  manager: EntityManager,
  column: string,
  ids: readonly string[],
  offset = 0,
): { where: string; params: unknown[] }[] {
  if (!ids.length) return [];
  if (isPostgres(manager) && ids.length >= ARRAYS_FROM) {
    return [{ where: `${column} = ANY($${offset + 1}::varchar[])`, params: [ids] }];
  }
  return chunked(ids).map((chunk) => ({ where: `${column} IN (${inList(chunk.length, offset)})`, params: chunk }));
}

/**
 * Every SQL statement on the identity tables (profiles, identifiers, attributes, events), shared by
 * the Nosto GraphQL API, the Insider REST API and the account link, so what one writes the others
 * read. Every method runs in the caller's transaction (or on the pool, for reads) and decides nothing
 * but storage: which rows, in which order, in how few round trips.
 *
 * Locking rule: every writer takes a profile's row (`takeProfiles`, or `writeByIdentifier`, which does)
 * before its identifier or attribute rows, so concurrent writers of one profile queue on it instead of
 * deadlocking.
 */
@Injectable()
export class ProfileStore {
  /** catalogue entries this process knows are committed: writing them again needs no statement */
  private readonly recorded = new Set<string>();

  // ---- profiles ----------------------------------------------------------------------------------

  /** Which of these profile ids exist. */
  async existingProfiles(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const { where, params } of idSlices(manager, 'id', [...new Set(ids)])) {
      const rows = await query<{ id: string }>(manager, `SELECT id FROM identity_profiles WHERE ${where}`, params);
      rows.forEach((row) => found.add(row.id));
    }
    return found;
  }

  /** Up to `limit` profile ids after `after`, in id order: keyset paging over every profile (the export). */
  async profileIdsAfter(manager: EntityManager, after: string, limit: number): Promise<string[]> {
    const rows = await query<{ id: string }>(
      manager,
      `SELECT id FROM identity_profiles WHERE id > $1 ORDER BY id LIMIT ${Math.floor(limit)}`,
      [after],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Takes the profiles for this transaction and marks them updated, in id order: on PostgreSQL several
   * rows are locked first in one `SELECT … ORDER BY id FOR UPDATE` (an UPDATE of many rows locks them
   * in no set order), one row by its UPDATE alone.
   */
  async takeProfiles(manager: EntityManager, ids: readonly string[]): Promise<void> {
    const sorted = [...new Set(ids)].sort(byText);
    if (!sorted.length) return;
    const slices = idSlices(manager, 'id', sorted);
    if (isPostgres(manager) && sorted.length > 1) {
      for (const { where, params } of slices) {
        await query(manager, `SELECT id FROM identity_profiles WHERE ${where} ORDER BY id FOR UPDATE`, params);
      }
    }
    for (const { where, params } of slices) {
      await query(manager, `UPDATE identity_profiles SET updated_at = CURRENT_TIMESTAMP WHERE ${where}`, params);
    }
  }

  /** New profiles (no account), in multi-row statements (for `overlapped`). */
  profileInserts(manager: EntityManager, ids: readonly string[], at: Date): Statement[] {
    return insertStatements(
      manager,
      'identity_profiles',
      PROFILE_COLUMNS,
      ids.map((id) => [id, at, at]),
    );
  }

  /** Deletes a profile with its identifiers, attributes and events (the foreign keys cascade). */
  async deleteProfile(manager: EntityManager, id: string): Promise<void> {
    await query(manager, 'DELETE FROM identity_profiles WHERE id = $1', [id]);
  }

  /**
   * The profile holding this identifier, created (with the identifier) when there is none. Safe under
   * concurrency: when another transaction creates it first, its profile is returned and ours is undone.
   */
  async ensureProfile(
    manager: EntityManager,
    type: string,
    value: string,
    userId: string | null = null,
  ): Promise<{ id: string; created: boolean }> {
    const existing = await this.ownerOf(manager, type, value);
    if (existing) return { id: existing, created: false };
    const profileId = timeOrderedId();
    // created_at with milliseconds (SQLite's default has seconds), so lists keep the order of creation
    const now = new Date();
    await query(
      manager,
      'INSERT INTO identity_profiles (id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3)',
      [profileId, userId, now],
    );
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same identifier and then skips.
    await query(
      manager,
      'INSERT INTO identity_identifiers (id, profile_id, type, value) VALUES ($1, $2, $3, $4) ON CONFLICT (type, value) DO NOTHING',
      [timeOrderedId(), profileId, type, value],
    );
    const winner = await this.ownerOf(manager, type, value);
    if (winner !== profileId) {
      await this.deleteProfile(manager, profileId);
      return { id: winner!, created: false };
    }
    return { id: profileId, created: true };
  }

  // ---- profiles and accounts -------------------------------------------------------------------

  /** The account linked to a profile, or null. */
  async linkedUser(manager: EntityManager, profileId: string): Promise<string | null> {
    const rows = await query<{ user_id: string | null }>(
      manager,
      'SELECT user_id FROM identity_profiles WHERE id = $1',
      [profileId],
    );
    return rows[0]?.user_id ?? null;
  }

  async linkUser(manager: EntityManager, profileId: string, userId: string): Promise<void> {
    await query(manager, 'UPDATE identity_profiles SET user_id = $1 WHERE id = $2', [userId, profileId]);
  }

  /** The profile linked to an account, or null. */
  async profileOfUser(manager: EntityManager, userId: string): Promise<string | null> {
    const rows = await query<{ id: string }>(manager, 'SELECT id FROM identity_profiles WHERE user_id = $1', [userId]);
    return rows[0]?.id ?? null;
  }

  // ---- profiles as entities (the GraphQL API maps them) -----------------------------------------

  /** The profile holding an identifier, or the survivor its alias leads to, in one query. */
  profileByIdentifier(manager: EntityManager, type: string, value: string): Promise<IdentityProfileEntity | null> {
    return manager
      .getRepository(IdentityProfileEntity)
      .createQueryBuilder('p')
      .where(
        'p.id IN (SELECT i.profile_id FROM identity_identifiers i WHERE i.type = :type AND i.value = :value UNION ALL SELECT a.profile_id FROM identity_aliases a WHERE a.type = :type AND a.value = :value)',
        { type, value },
      )
      .getOne();
  }

  profilesByIds(manager: EntityManager, ids: readonly string[]): Promise<IdentityProfileEntity[]> {
    return manager.getRepository(IdentityProfileEntity).findBy({ id: In([...ids]) });
  }

  profilesOfUsers(manager: EntityManager, userIds: readonly string[]): Promise<IdentityProfileEntity[]> {
    return manager.getRepository(IdentityProfileEntity).findBy({ userId: In([...userIds]) });
  }

  /**
   * One page of a segment: the profiles having every custom attribute condition, by id (see
   * segment-query.ts); nothing at all for no room (`take` 0) or contradicting conditions.
   */
  async segment(
    manager: EntityManager,
    conditions: readonly SegmentCondition[],
    page: SegmentPage,
  ): Promise<IdentityProfileEntity[]> {
    const wanted = normaliseConditions(conditions);
    if (!wanted || page.take <= 0) return [];
    const { sql, params } = segmentPageStatement(wanted, page);
    const rows = await query<ProfileRow>(manager, sql, params);
    return rows.map(toProfile);
  }

  /** How many profiles have every custom attribute condition (every profile, for none). */
  async segmentCount(manager: EntityManager, conditions: readonly SegmentCondition[]): Promise<number> {
    const wanted = normaliseConditions(conditions);
    if (!wanted) return 0;
    const { sql, params } = segmentCountStatement(wanted);
    const rows = await query<{ n: string | number }>(manager, sql, params);
    return Number(rows[0].n);
  }

  // ---- identifiers -------------------------------------------------------------------------------

  /**
   * Which profile holds each of these identifiers (`identifierKey` → profile id), in few statements:
   * an identifier's profile, or else the survivor its alias leads to (SPEC §10: a merged profile's
   * identifier finds its survivor) — both tables in the same statement, so aliases cost no round trip.
   */
  ownersOf(
    manager: EntityManager,
    identifiers: readonly { type: string; value: string }[],
  ): Promise<Map<string, string>> {
    return this.holdersOf(manager, identifiers, ['identity_identifiers', 'identity_aliases']);
  }

  /** Which profile an alias of each of these identifiers leads to (`identifierKey` → profile id). */
  aliasOwners(
    manager: EntityManager,
    identifiers: readonly { type: string; value: string }[],
  ): Promise<Map<string, string>> {
    return this.holdersOf(manager, identifiers, ['identity_aliases']);
  }

  /**
   * The profile each of these ids names now: itself when it exists, its survivor when it was merged
   * (an `insider_id` alias); ids of neither are absent.
   */
  async currentProfileIds(manager: EntityManager, ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const existing = await this.existingProfiles(manager, ids);
    for (const id of existing) out.set(id, id);
    const merged = ids.filter((id) => !existing.has(id)).map((value) => ({ type: INSIDER_ID_ALIAS, value }));
    for (const [key, profileId] of await this.aliasOwners(manager, merged)) {
      out.set(key.slice(INSIDER_ID_ALIAS.length + 1), profileId);
    }
    return out;
  }

  /**
   * Which profile holds each of these identifiers in `tables` (identifiers, aliases), in few statements;
   * a row of an earlier table wins over one of a later table.
   */
  private async holdersOf(
    manager: EntityManager,
    identifiers: readonly { type: string; value: string }[],
    tables: readonly ('identity_identifiers' | 'identity_aliases')[],
  ): Promise<Map<string, string>> {
    const unique = [...new Map(identifiers.map((i) => [identifierKey(i), i])).values()];
    const owners = new Map<string, string>();
    if (!unique.length) return owners;
    const collect = (rows: { profile_id: string; type: string; value: string; rank: number | string }[]) => {
      rows.sort((a, b) => Number(a.rank) - Number(b.rank));
      for (const row of rows) if (!owners.has(identifierKey(row))) owners.set(identifierKey(row), row.profile_id);
    };
    if (isPostgres(manager) && unique.length >= ARRAYS_FROM) {
      // One statement for any number: a join of the pairs (two arrays) on the unique (type, value) index.
      // Its plan costs nothing to make and does not depend on statistics, where an OR of 400 pairs took
      // ~100 ms to plan (measured at 1,000,000 profiles) and a stale estimate could turn it into a scan.
      // (A few pairs plan faster as the OR below: a single user's /upsert.)
      const sql = tables
        .map(
          (table, rank) =>
            `SELECT i.profile_id, i.type, i.value, ${rank} AS rank FROM unnest($1::varchar[], $2::varchar[]) AS w(type, value) JOIN ${table} i ON i.type = w.type AND i.value = w.value`,
        )
        .join(' UNION ALL ');
      collect(await query(manager, sql, [unique.map((i) => i.type), unique.map((i) => i.value)]));
      return owners;
    }
    for (const chunk of chunked(unique, PAIRS_PER_STATEMENT)) {
      const where = chunk.map((_, j) => `(type = $${2 * j + 1} AND value = $${2 * j + 2})`).join(' OR ');
      const sql = tables
        .map((table, rank) => `SELECT profile_id, type, value, ${rank} AS rank FROM ${table} WHERE ${where}`)
        .join(' UNION ALL ');
      collect(
        await query(
          manager,
          sql,
          chunk.flatMap((identifier) => [identifier.type, identifier.value]),
        ),
      );
    }
    return owners;
  }

  /** The profile holding an identifier, or null. */
  async ownerOf(manager: EntityManager, type: string, value: string): Promise<string | null> {
    return (await this.ownersOf(manager, [{ type, value }])).get(identifierKey({ type, value })) ?? null;
  }

  /** The identifiers of some profiles, by type. */
  async identifiers(manager: EntityManager, profileIds: readonly string[]): Promise<StoredIdentifier[]> {
    const rows = await this.rowsOfProfiles<{ profile_id: string; type: string; value: string }>(
      manager,
      'SELECT profile_id, type, value FROM identity_identifiers',
      profileIds,
      'type',
    );
    return rows.map((row) => ({ profileId: row.profile_id, type: row.type, value: row.value }));
  }

  async countIdentifiers(manager: EntityManager, profileId: string): Promise<number> {
    const rows = await query<{ n: string | number }>(
      manager,
      'SELECT COUNT(*) AS n FROM identity_identifiers WHERE profile_id = $1',
      [profileId],
    );
    return Number(rows[0].n);
  }

  /** New identifiers, in multi-row statements in (type, value) order: concurrent writers claiming the same values queue, not deadlock. A value another profile holds is a unique violation. */
  async insertIdentifiers(manager: EntityManager, identifiers: readonly StoredIdentifier[]): Promise<void> {
    await runAll(manager, this.identifierInserts(manager, identifiers));
  }

  /** The statements of insertIdentifiers (for `overlapped`). */
  identifierInserts(manager: EntityManager, identifiers: readonly StoredIdentifier[]): Statement[] {
    // each key made once (a comparator making them made ~44,000 strings for 2,000 identifiers)
    const sorted = identifiers.map((i) => ({ key: identifierKey(i), i })).sort((a, b) => byText(a.key, b.key));
    return insertStatements(
      manager,
      'identity_identifiers',
      IDENTIFIER_COLUMNS,
      sorted.map(({ i }) => [timeOrderedId(), i.profileId, i.type, i.value]),
    );
  }

  /**
   * Replaces an identifier's value wherever it is, in one statement (no transaction needed): the
   * number of rows changed (0: nobody has it, or the new value is suppressed: `toHash` is its
   * suppression hash). A unique violation: another profile holds the new value.
   */
  async changeIdentifierValue(
    manager: EntityManager,
    type: string,
    from: string,
    to: string,
    toHash: string,
  ): Promise<string | null> {
    const rows = await query<{ profile_id: string }>(manager, CHANGE_IDENTIFIER_VALUE, [to, type, from, toHash]);
    return rows[0]?.profile_id ?? null;
  }

  /**
   * changeIdentifierValue for several changes in one statement (PostgreSQL only), all or none: the
   * profile of each change made, null for one whose old value is unknown or whose new value is
   * suppressed. A taken new value fails the whole statement (a unique violation). Two changes of one old
   * value must not share a statement (IdentifierChanges keeps them apart).
   */
  async changeIdentifierValues(
    manager: EntityManager,
    changes: readonly { type: string; from: string; to: string; toHash: string }[],
  ): Promise<(string | null)[]> {
    const rows = await query<{ n: string | number; profile_id: string }>(manager, CHANGE_IDENTIFIER_VALUES, [
      changes.map((c) => c.to),
      changes.map((c) => c.type),
      changes.map((c) => c.from),
      changes.map((c) => c.toHash),
    ]);
    const owners: (string | null)[] = changes.map(() => null);
    for (const row of rows) owners[Number(row.n) - 1] = row.profile_id;
    return owners;
  }

  /** Deletes a profile's identifier: the number of rows deleted (0: it is not, or no longer, there). */
  async deleteIdentifier(manager: EntityManager, profileId: string, type: string, value: string): Promise<number> {
    const rows = await query(
      manager,
      'DELETE FROM identity_identifiers WHERE type = $1 AND value = $2 AND profile_id = $3 RETURNING id',
      [type, value, profileId],
    );
    return rows.length;
  }

  /**
   * Sets a profile's identifier of a type to a value (adding it, or replacing the current value).
   * CONFLICT when another profile holds that value.
   */
  async setIdentifier(
    manager: EntityManager,
    profileId: string,
    type: string,
    value: string,
    conflictMessage: string,
  ): Promise<void> {
    try {
      const updated = await manager.getRepository(IdentityIdentifierEntity).update({ profileId, type }, { value });
      if (!updated.affected) {
        await manager.getRepository(IdentityIdentifierEntity).insert({ id: timeOrderedId(), profileId, type, value });
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict(conflictMessage, { field: 'email' });
      throw e;
    }
  }

  // ---- attributes --------------------------------------------------------------------------------

  /** The attributes of some profiles, by key. */
  async attributes(manager: EntityManager, profileIds: readonly string[]): Promise<StoredAttribute[]> {
    const rows = await this.rowsOfProfiles<{ profile_id: string; key: string; value: string }>(
      manager,
      'SELECT profile_id, key, value FROM identity_attributes',
      profileIds,
      'key',
    );
    return rows.map((row) => ({ profileId: row.profile_id, key: row.key, value: decodeAttribute(row.value) }));
  }

  /** The stored values of some keys of some profiles, by `pairKey(profileId, key)`. */
  async attributeValues(
    manager: EntityManager,
    profileIds: readonly string[],
    keys: readonly string[],
  ): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    const ids = [...new Set(profileIds)];
    if (!ids.length || !keys.length) return out;
    for (const { where, params } of idSlices(manager, 'profile_id', ids, keys.length)) {
      const rows = await query<{ profile_id: string; key: string; value: string }>(
        manager,
        `SELECT profile_id, key, value FROM identity_attributes WHERE key IN (${inList(keys.length)}) AND ${where}`,
        [...keys, ...params],
      );
      for (const row of rows) out.set(pairKey(row.profile_id, row.key), decodeAttribute(row.value));
    }
    return out;
  }

  /**
   * Writes attributes by (profile, key), overwriting those present and keeping the others, in
   * multi-row `INSERT … ON CONFLICT DO UPDATE`s; rows in (profile, key) order (concurrent writers lock
   * them in the same order), the last of a pair wins. The caller has taken the profiles. Rows of
   * `newProfiles` (created in this transaction: nothing to overwrite) are plain INSERTs, which skip
   * ON CONFLICT's speculative insertion.
   */
  async writeAttributes(
    manager: EntityManager,
    rows: readonly StoredAttribute[],
    newProfiles: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    await runAll(manager, this.attributeWrites(manager, rows, newProfiles));
  }

  /** The statements of writeAttributes (for `overlapped`). */
  attributeWrites(
    manager: EntityManager,
    rows: readonly StoredAttribute[],
    newProfiles: ReadonlySet<string> = new Set(),
  ): Statement[] {
    const byPair = new Map(rows.map((row) => [pairKey(row.profileId, row.key), row]));
    const sorted = [...byPair.entries()].sort(([a], [b]) => byText(a, b)).map(([, row]) => row);
    const encoded = (row: StoredAttribute) => {
      const { value, valueKey } = encodeAttribute(row.value);
      return [row.profileId, row.key, value, valueKey];
    };
    const fresh = sorted.filter((row) => newProfiles.has(row.profileId));
    const known = fresh.length ? sorted.filter((row) => !newProfiles.has(row.profileId)) : sorted;
    return [
      ...insertStatements(manager, 'identity_attributes', ATTRIBUTE_COLUMNS, fresh.map(encoded)),
      ...insertStatements(manager, 'identity_attributes', ATTRIBUTE_COLUMNS, known.map(encoded), ATTRIBUTE_UPSERT),
    ];
  }

  /**
   * The profile holding an identifier, taken (locked, marked updated) with attributes written to it by
   * key, and answered; null, with nothing written, when no profile holds the identifier.
   *
   * On PostgreSQL this is one statement whatever the attributes (the UPDATE … RETURNING of the profile
   * feeds the attributes' INSERT … ON CONFLICT, so the profile is still taken first), atomic without a
   * transaction around it: GraphQL `upsertIdentity` of a known email is one round trip. On SQLite, two
   * statements in the caller's transaction.
   */
  async writeByIdentifier(
    manager: EntityManager,
    type: string,
    value: string,
    attributes: readonly { key: string; value: unknown }[],
  ): Promise<IdentityProfileEntity | null> {
    if (isPostgres(manager) && attributes.length) {
      const sorted = [...attributes].sort((a, b) => byText(a.key, b.key));
      const encoded = sorted.map((a) => encodeAttribute(a.value));
      const rows = await query<ProfileRow>(manager, WRITE_BY_IDENTIFIER, [
        type,
        value,
        sorted.map((a) => a.key),
        encoded.map((e) => e.value),
        encoded.map((e) => e.valueKey),
      ]);
      return rows.length ? toProfile(rows[0]) : null;
    }
    const rows = await query<ProfileRow>(manager, TAKE_BY_IDENTIFIER, [type, value]);
    if (!rows.length) return null;
    const profile = toProfile(rows[0]);
    await this.writeAttributes(
      manager,
      attributes.map((a) => ({ profileId: profile.id, key: a.key, value: a.value })),
    );
    return profile;
  }

  async deleteAttributes(manager: EntityManager, profileId: string, keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    await query(
      manager,
      `DELETE FROM identity_attributes WHERE profile_id = $1 AND key IN (${inList(keys.length, 1)})`,
      [profileId, ...keys],
    );
  }

  // ---- statistics (PostgreSQL) ------------------------------------------------------------------

  /** Whether the server's autovacuum refreshes statistics by itself (PostgreSQL's default). */
  async autovacuumOn(manager: EntityManager): Promise<boolean> {
    const rows = await query<{ on: string }>(manager, "SELECT current_setting('autovacuum') AS on");
    return rows[0]?.on === 'on';
  }

  /**
   * Adds the segment count changes the triggers appended (migration SegmentCounts) to the counts, and
   * deletes them, in one statement: a count read at any moment sees either the changes or their sum.
   * Two instances folding at once fold each change once (the second's DELETE skips the rows the first
   * deleted). A count left at 0 is deleted. Answers how many changes it folded.
   */
  async foldSegmentCounts(manager: EntityManager): Promise<number> {
    const [row] = await query<{ folded: string | number; keys: string[]; value_keys: string[] }>(
      manager,
      FOLD_SEGMENT_COUNTS,
    );
    // a value nobody has any more leaves no row (nor the hash of an erased person's value)
    if (row.keys.length) await query(manager, EMPTIED_SEGMENT_COUNTS, [row.keys, row.value_keys]);
    return Number(row.folded);
  }

  /** VACUUM of the folded changes' table, for a server whose autovacuum is off (its dead rows are read by every count). */
  async vacuumSegmentCountChanges(manager: EntityManager): Promise<void> {
    await query(manager, 'VACUUM identity_segment_count_changes');
  }

  /** The rows of the identity tables as the planner believes them (pg_class, as of the last ANALYZE). */
  async plannedRows(manager: EntityManager): Promise<number> {
    const rows = await query<{ n: string | number | null }>(
      manager,
      `SELECT sum(greatest(reltuples, 0)) AS n FROM pg_class WHERE oid IN (${IDENTITY_TABLES.map((t) => `'${t}'::regclass`).join(', ')})`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** ANALYZE of the identity tables: a sample of each (30,000 rows), no lock that blocks reads or writes. */
  async analyze(manager: EntityManager): Promise<void> {
    await query(manager, `ANALYZE ${IDENTITY_TABLES.join(', ')}`);
  }

  // ---- events ------------------------------------------------------------------------------------

  async insertEvents(
    manager: EntityManager,
    events: readonly (StoredEvent & { profileId: string })[],
    at: Date,
  ): Promise<void> {
    await runAll(manager, this.eventInserts(manager, events, at));
  }

  /** The statements of insertEvents (for `overlapped`). */
  eventInserts(
    manager: EntityManager,
    events: readonly (StoredEvent & { profileId: string })[],
    at: Date,
  ): Statement[] {
    return insertStatements(
      manager,
      'identity_events',
      EVENT_COLUMNS,
      events.map((e) => [timeOrderedId(), e.profileId, e.name, e.timestamp, JSON.stringify(e.params), at]),
    );
  }

  /** A profile's events in a time range (both ends included), newest first; only `names` when given. */
  async events(
    manager: EntityManager,
    profileId: string,
    range: { start: Date; end: Date; names: readonly string[] | null; limit: number },
  ): Promise<StoredEvent[]> {
    const { names } = range;
    if (names && !names.length) return [];
    const filter = names ? ` AND event_name IN (${inList(names.length, 3)})` : '';
    const rows = await query<{ event_name: string; timestamp: string | Date; params: string }>(
      manager,
      `SELECT event_name, timestamp, params FROM identity_events WHERE profile_id = $1 AND timestamp >= $2 AND timestamp <= $3${filter} ORDER BY timestamp DESC LIMIT ${Math.floor(range.limit)}`,
      [profileId, range.start, range.end, ...(names ?? [])],
    );
    return rows.map((row) => ({
      name: row.event_name,
      timestamp: fromSqlDate(row.timestamp),
      params: JSON.parse(row.params) as Record<string, unknown>,
    }));
  }

  /**
   * Each profile's newest events (`Identity.events`): at most `page.take` per profile, newest first
   * (the same instant: the later written first), each profile's page read backwards from the events
   * index (event-query.ts). Rows of every profile together, in that order per profile.
   */
  async recentEvents(
    manager: EntityManager,
    profileIds: readonly string[],
    page: EventPage,
  ): Promise<(StoredEvent & { profileId: string })[]> {
    const ids = [...new Set(profileIds)];
    if (!ids.length || page.take <= 0 || (page.names && !page.names.length)) return [];
    const postgres = isPostgres(manager);
    const rows: { profile_id: string; id: string; event_name: string; timestamp: string | Date; params: string }[] = [];
    for (const chunk of postgres ? [ids] : chunked(ids, EVENT_PROFILES_PER_STATEMENT)) {
      const { sql, params } = recentEventsStatement(postgres ? 'postgres' : 'sqlite', chunk, page);
      rows.push(...(await query<(typeof rows)[number]>(manager, sql, params)));
    }
    const events = rows.map((row) => ({
      id: row.id,
      profileId: row.profile_id,
      name: row.event_name,
      timestamp: fromSqlDate(row.timestamp),
      params: JSON.parse(row.params) as Record<string, unknown>,
    }));
    // a statement's row order is not a promise: newest first by value
    events.sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime() || byText(b.id, a.id));
    return events.map(({ profileId, name, timestamp, params }) => ({ profileId, name, timestamp, params }));
  }

  // ---- the catalogue of names (metadata columns) -------------------------------------------------

  /**
   * The catalogue entries that written attributes and events bring and that this process has not seen
   * committed yet (none, once the names are known: the hot paths then pay nothing).
   */
  unrecordedNames(
    attributes: readonly { key: string; value: unknown }[],
    events: readonly { name: string; params: Record<string, unknown> }[],
  ): CatalogueEntry[] {
    return catalogueEntries(attributes, events).filter((entry) => !this.recorded.has(catalogueKey(entry)));
  }

  /**
   * Adds catalogue entries (a name already there keeps its first type), in one multi-row statement in
   * key order. The caller makes it the last statement of its transaction: concurrent writers of a new
   * name wait on it only at their commit, and in the same order, so they cannot deadlock.
   */
  async recordNames(manager: EntityManager, entries: readonly CatalogueEntry[]): Promise<void> {
    const sorted = [...entries].sort((a, b) => byText(catalogueKey(a), catalogueKey(b)));
    await insertRows(
      manager,
      'identity_catalogue (kind, event_name, name, type, created_at)',
      sorted.map((e) => [e.kind, e.event, e.name, e.type, new Date()]),
      ' ON CONFLICT (kind, event_name, name) DO NOTHING',
    );
  }

  /** After the caller's transaction committed: these entries are stored, later writes of them skip the insert. */
  rememberNames(entries: readonly CatalogueEntry[]): void {
    for (const entry of entries) {
      if (this.recorded.size >= RECORDED_MAX) return;
      this.recorded.add(catalogueKey(entry));
    }
  }

  /** The catalogue entries of some kinds, by event and name. */
  async catalogue(manager: EntityManager, kinds: readonly CatalogueEntry['kind'][]): Promise<CatalogueEntry[]> {
    const rows = await query<{ kind: CatalogueEntry['kind']; event_name: string; name: string; type: string }>(
      manager,
      `SELECT kind, event_name, name, type FROM identity_catalogue WHERE kind IN (${inList(kinds.length)}) ORDER BY event_name, name`,
      [...kinds],
    );
    return rows.map((row) => ({ kind: row.kind, event: row.event_name, name: row.name, type: row.type }));
  }

  /** `<select> WHERE profile_id IN (…) ORDER BY <orderBy>` for some profiles (see idSlices). */
  private async rowsOfProfiles<T>(
    manager: EntityManager,
    select: string,
    profileIds: readonly string[],
    orderBy: string,
  ): Promise<T[]> {
    const out: T[] = [];
    for (const { where, params } of idSlices(manager, 'profile_id', [...new Set(profileIds)])) {
      out.push(...(await query<T>(manager, `${select} WHERE ${where} ORDER BY ${orderBy}`, params)));
    }
    return out;
  }
}
