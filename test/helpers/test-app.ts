import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/common/logger';
import { AppConfig, loadConfig } from '../../src/config/app-config';

/** How a request authenticates: a bearer token (session or ctok_), or an API token, two ways. */
export type Credential = string | { bearer: string } | { basic: string } | { requestToken: string } | undefined;

export interface GqlResult<T = Record<string, any>> {
  status: number;
  headers: Record<string, string>;
  body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: { code?: string } & Record<string, any> }[];
  };
  data: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string } & Record<string, any> }[];
  /** the first error's code, for terse assertions */
  code?: string;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  dataSource: DataSource;
  /** every JSON log line the app wrote (when started with captureLogs) */
  logs: string[];
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, any>,
    credential?: Credential,
  ): Promise<GqlResult<T>>;
  rest(
    method: 'get' | 'post' | 'patch' | 'put' | 'delete',
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<request.Response>;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export function authHeaders(credential: Credential): Record<string, string> {
  if (!credential) return {};
  if (typeof credential === 'string') return { authorization: `Bearer ${credential}` };
  if ('bearer' in credential) return { authorization: `Bearer ${credential.bearer}` };
  if ('basic' in credential)
    return { authorization: `Basic ${Buffer.from(`:${credential.basic}`).toString('base64')}` };
  return { 'x-request-token': credential.requestToken };
}

export const isPostgres = () => (process.env.DATABASE_URL ?? '').startsWith('postgres');

/**
 * Set by scripts/pgbouncer-test.sh: DATABASE_URL is a pgbouncer in transaction mode and this is the
 * PostgreSQL behind it. Each app then gets a database of its own, created here over the direct
 * connection, instead of a schema (a `?schema=` travels in a startup parameter pgbouncer drops).
 */
export const directDatabaseUrl = () => process.env.TEST_DIRECT_DATABASE_URL;

/** The URL that reaches the same database as `url` without a pooler in between (for locks, pg_stat_activity). */
export function directUrlOf(url: string): string {
  const direct = directDatabaseUrl();
  if (!direct) return url;
  const to = new URL(url);
  const via = new URL(direct);
  to.host = via.host;
  return to.toString();
}

/** The DATABASE_URL a second instance on the same database starts with (its `?schema=`, when it has one, put back). */
export function secondInstanceUrl(config: AppConfig): string {
  const db = config.database;
  if (db.engine === 'sqlite' || !db.schema) return db.url;
  return `${db.url}${db.url.includes('?') ? '&' : '?'}schema=${db.schema}`;
}

/** A fresh, empty database for one app: a temporary SQLite file, or a new PostgreSQL schema (or database). */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  const direct = directDatabaseUrl();
  if (base && base.startsWith('postgres') && direct) {
    const name = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new Client({ connectionString: direct });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE ${name} TEMPLATE template0`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  if (base && base.startsWith('postgres')) {
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const client = new Client({ connectionString: base });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    return {
      url: `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`,
      drop: async () => {
        const c = new Client({ connectionString: base });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'identity-hub-test-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StartOptions {
  env?: Record<string, string>;
  captureLogs?: boolean;
  /** reuse an existing database (e.g. a second instance) instead of a fresh one */
  databaseUrl?: string;
}

/** Boots the real application on a fresh database, with the same code path as `npm start`. */
export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const db = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : await freshDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    // scripts/pgbouncer-test.sh turns them off, as its README section tells pgbouncer 1.18 users to
    DATABASE_PREPARED_STATEMENTS: process.env.DATABASE_PREPARED_STATEMENTS,
    REDIS_KEY_PREFIX: `ih-test-${randomBytes(4).toString('hex')}:`,
    LOG_LEVEL: options.captureLogs ? 'info' : 'silent',
    // The outbox worker does not poll in tests (its statements would land in statement counts): a test
    // delivers with `app.get(OutboxWorker).runOnce()`, or sets OUTBOX_POLL_MS to watch the loop.
    OUTBOX_POLL_MS: '0',
    // Nor does the audit buffer flush on a timer (a test flushes with `app.get(AuditService).flush()`).
    AUDIT_FLUSH_MS: '0',
    // Nor do the segment counts fold on a timer (`app.get(SegmentCounts).fold()`).
    SEGMENT_COUNT_FOLD_MS: '0',
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await createApp(config, { logger: createLogger(config.logLevel, sink) });
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  const dataSource = app.get(DataSource);

  const gql = async <T>(query: string, variables?: Record<string, any>, credential?: Credential) => {
    const res = await request(server)
      .post('/graphql')
      .set({ 'content-type': 'application/json', ...authHeaders(credential) })
      .send({ query, variables });
    const body = res.body as GqlResult<T>['body'];
    return {
      status: res.status,
      headers: res.headers as Record<string, string>,
      body,
      data: (body.data ?? {}) as T,
      errors: body.errors,
      code: body.errors?.[0]?.extensions?.code,
    };
  };

  return {
    app,
    config,
    dataSource,
    logs,
    gql,
    http: () => request(server),
    rest: (method, path, opts = {}) => {
      let req = request(server)
        [method](path)
        .set(opts.headers ?? {});
      if (opts.raw !== undefined) req = req.send(opts.raw);
      else if (opts.body !== undefined) req = req.send(opts.body as object);
      return req;
    },
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
