// The bench's own database access (not the service's code): creating and dropping its schema, seeding
// profiles straight into the service's tables after the service has migrated them, ANALYZE, and keeping
// the bench customers' addresses bounded between windows of the address scenario.
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);

/**
 * Profile i of the seed (0 ≤ i < n), as the partner API would have stored it (identity-codec.ts):
 *   identifiers  uuid `b<i>` (moved by the PATCH scenarios) and email `u<i>@bench.example` (the upserts);
 *   attributes   name "Bench", age 20–79, email_optin, the custom c_tier Gold (10 %), Silver (30 %),
 *                Bronze (60 %), and the custom c_region, one of seven (1/7 each, independent of the tier:
 *                Silver AND North is 4.3 %); `value` is the JSON encoding, `value_key` the SHA-256 hex of
 *                the text form.
 * Ids are random UUIDs, as newId() makes them. `uuid()` and `hash(text)` are the engine's SQL for both.
 */
/** The seven values of c_region: profile i has REGIONS[i % 7]. */
export const REGIONS = ['North', 'South', 'East', 'West', 'Central', 'Islands', 'Abroad'];

function seedStatements(uuid, hash) {
  const tier = "CASE WHEN i % 10 = 0 THEN 'Gold' WHEN i % 10 < 4 THEN 'Silver' ELSE 'Bronze' END";
  const region = `CASE i % 7 ${REGIONS.map((r, k) => `WHEN ${k} THEN '${r}'`).join(' ')} END`;
  const age = 'CAST(20 + i % 60 AS TEXT)';
  const optin = "CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END";
  return [
    'INSERT INTO identity_profiles (id) SELECT id FROM bench_seed ORDER BY i',
    `INSERT INTO identity_identifiers (id, profile_id, type, value)
       SELECT ${uuid}, id, 'uuid', 'b' || i FROM bench_seed
       UNION ALL SELECT ${uuid}, id, 'email', 'u' || i || '@bench.example' FROM bench_seed`,
    `INSERT INTO identity_attributes (profile_id, key, value, value_key)
       SELECT id, key, value, ${hash('text')} FROM (
         SELECT id, 'name' AS key, '"Bench"' AS value, 'Bench' AS text FROM bench_seed
         UNION ALL SELECT id, 'age', ${age}, ${age} FROM bench_seed
         UNION ALL SELECT id, 'email_optin', ${optin}, ${optin} FROM bench_seed
         UNION ALL SELECT id, 'c_tier', '"' || ${tier} || '"', ${tier} FROM bench_seed
         UNION ALL SELECT id, 'c_region', '"' || ${region} || '"', ${region} FROM bench_seed
       ) AS a`,
  ];
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * The segment counts of what was seeded (PostgreSQL): the seed ran in the replica role, where the
 * counting triggers (migration SegmentCounts) do not fire, as a logical replica's apply would not. The
 * same statement as the migration's; nothing when the build under test has no counts.
 */
async function recountSegments(c) {
  const { rows } = await c.query("SELECT to_regclass('identity_segment_counts') IS NOT NULL AS counted");
  if (!rows[0].counted) return;
  await c.query('DELETE FROM identity_segment_count_changes');
  await c.query('DELETE FROM identity_segment_counts');
  await c.query(
    `INSERT INTO identity_segment_counts (key, value_key, n) SELECT key, value_key, count(*) FROM identity_attributes WHERE substr(key, 1, 2) = 'c_' GROUP BY key, value_key`,
  );
}

/** The bench's connection to a PostgreSQL schema of its own. */
export class PostgresBenchDb {
  engine = 'postgres';

  constructor(url, schema) {
    this.url = url;
    this.schema = schema;
  }

  async createSchema() {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${this.schema}`);
    } finally {
      await client.end();
    }
    this.client = new pg.Client({ connectionString: this.url, options: `-c search_path=${this.schema}` });
    await this.client.connect();
  }

  async seed(n) {
    const c = this.client;
    await c.query('BEGIN');
    // The rows are consistent by construction: skip the foreign-key triggers (60 % of the time) when
    // allowed (superuser); the unique indexes still check every row.
    await c.query('SAVEPOINT replica');
    try {
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query('RELEASE SAVEPOINT replica');
    } catch {
      await c.query('ROLLBACK TO SAVEPOINT replica');
    }
    await c.query(
      `CREATE TEMP TABLE bench_seed ON COMMIT DROP AS SELECT i, gen_random_uuid()::text AS id FROM generate_series(0, ${n - 1}) AS i`,
    );
    for (const sql of seedStatements(
      'gen_random_uuid()::text',
      (t) => `encode(sha256(convert_to(${t}, 'UTF8')), 'hex')`,
    )) {
      await c.query(sql);
    }
    await recountSegments(c);
    await c.query('COMMIT');
  }

  /**
   * VACUUM (ANALYZE) of the bench schema's tables (a bare ANALYZE would read every schema of the
   * database): statistics, and the visibility map a production database's autovacuum keeps after bulk
   * inserts (autovacuum is off on these machines), which index-only scans (segment counts) rely on.
   */
  async analyze() {
    const { rows } = await this.client.query(
      'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
    );
    for (const { tablename } of rows) await this.client.query(`VACUUM (ANALYZE) "${tablename}"`);
  }

  async deleteAddresses(userIds) {
    await this.client.query('DELETE FROM addresses WHERE user_id = ANY($1)', [userIds]);
  }

  /** The id of the profile at `fraction` of the custom attribute's segment (a cursor deep in it). */
  async segmentCursor(key, value, fraction) {
    const { rows } = await this.client.query(
      `SELECT profile_id FROM identity_attributes WHERE key = $1 AND value_key = $2 ORDER BY profile_id
       OFFSET (SELECT floor(count(*) * $3::float8)::bigint FROM identity_attributes WHERE key = $1 AND value_key = $2) LIMIT 1`,
      [key, sha256(value), fraction],
    );
    return rows[0]?.profile_id ?? null;
  }

  /** Drops the schema; safe to call more than once, and after a failed start. */
  async drop() {
    await this.client?.end().catch(() => {});
    this.client = null;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    } finally {
      await client.end();
    }
  }
}

/** The bench's connection to the service's SQLite file (used only while the service is idle). */
export class SqliteBenchDb {
  engine = 'sqlite';

  constructor(file) {
    this.file = file;
  }

  async createSchema() {}

  open() {
    const Database = require('better-sqlite3');
    const db = new Database(this.file);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.function('bench_uuid', { deterministic: false }, () => randomUUID());
    db.function('bench_sha256', { deterministic: true }, (text) => sha256(String(text)));
    return db;
  }

  async seed(n) {
    const db = this.open();
    try {
      db.transaction(() => {
        db.exec('CREATE TEMP TABLE bench_seed (i INTEGER PRIMARY KEY, id TEXT NOT NULL)');
        db.prepare(
          'WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ?) INSERT INTO bench_seed (i, id) SELECT i, bench_uuid() FROM s',
        ).run(n - 1);
        for (const sql of seedStatements('bench_uuid()', (t) => `bench_sha256(${t})`)) db.exec(sql);
        db.exec('DROP TABLE bench_seed');
      })();
    } finally {
      db.close();
    }
  }

  async analyze() {
    const db = this.open();
    try {
      db.exec('ANALYZE');
    } finally {
      db.close();
    }
  }

  async deleteAddresses(userIds) {
    const db = this.open();
    try {
      db.prepare(`DELETE FROM addresses WHERE user_id IN (${userIds.map(() => '?').join(', ')})`).run(...userIds);
    } finally {
      db.close();
    }
  }

  async segmentCursor(key, value, fraction) {
    const db = this.open();
    try {
      const where = 'FROM identity_attributes WHERE key = ? AND value_key = ?';
      const { n } = db.prepare(`SELECT count(*) AS n ${where}`).get(key, sha256(value));
      const row = db
        .prepare(`SELECT profile_id ${where} ORDER BY profile_id LIMIT 1 OFFSET ?`)
        .get(key, sha256(value), Math.floor(n * fraction));
      return row?.profile_id ?? null;
    } finally {
      db.close();
    }
  }

  async drop() {}
}
