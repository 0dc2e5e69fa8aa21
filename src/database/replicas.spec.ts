import { isReadOnlySql, isReplicaFailure } from './replicas';

describe('what may run on a replica', () => {
  it.each([
    'SELECT "u"."id" FROM "users" "u" WHERE "u"."id" = $1',
    '  select 1',
    '(SELECT 1) UNION (SELECT 2)',
    'WITH t AS (SELECT 1) SELECT * FROM t',
    'SHOW server_version',
  ])('a read: %s', (sql) => expect(isReadOnlySql(sql)).toBe(true));

  it.each([
    'INSERT INTO "users" ("id") VALUES ($1)',
    'UPDATE "sessions" SET "last_used_at" = $1',
    'DELETE FROM "outbox" WHERE "id" = $1',
    'SELECT "id" FROM "users" WHERE "id" = $1 FOR UPDATE',
    'SELECT "id" FROM "outbox" LIMIT 10 FOR UPDATE SKIP LOCKED',
    'SELECT 1 FROM "users" FOR NO KEY UPDATE',
    'WITH moved AS (DELETE FROM "a" RETURNING *) SELECT * FROM moved',
    "SELECT nextval('seq')",
    'SELECT pg_advisory_xact_lock(1, 2)',
    'START TRANSACTION',
    'CREATE TABLE x (id int)',
  ])('not a read: %s', (sql) => expect(isReadOnlySql(sql)).toBe(false));
});

describe('a failure that means the replica went away', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08P01', message: 'query_wait_timeout' }],
    [{ code: '40001', message: 'canceling statement due to conflict with recovery' }],
    [{ message: 'Connection terminated unexpectedly' }],
    [{ message: 'timeout exceeded when trying to connect' }],
  ])('%j', (error) => expect(isReplicaFailure(error)).toBe(true));

  it.each([
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [{ code: '42P01', message: 'relation "x" does not exist' }],
    [new Error('boom')],
  ])('not: %j', (error) => expect(isReplicaFailure(error)).toBe(false));
});
