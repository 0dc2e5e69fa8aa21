import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { randomToken, sha256 } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config/app-config';
import { newId } from '../../src/database/columns';
import { createDataSource } from '../../src/database/data-source';
import { CLI_JS, ensureBuilt, freePort, MAIN_JS, runNode, startServer } from '../helpers/server-process';
import { freshDatabase, isPostgres } from '../helpers/test-app';

/**
 * The built server (`node dist/main.js`) as an operator runs it: .env, the start line, start-up
 * failures in one line, and a graceful SIGTERM. The build is refreshed first when src/ is newer.
 */
beforeAll(() => ensureBuilt(), 120_000);

const redisEnv = (): Record<string, string> =>
  process.env.REDIS_URL
    ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `ih-test-${randomBytes(4).toString('hex')}:` }
    : {};

describe('.env', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'identity-hub-dotenv-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is loaded from the working directory by the server; real environment variables win', async () => {
    const [filePort, envPort] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, '.env'),
      `# copied from .env.example\nPORT=${filePort}\nDATABASE_URL=sqlite:${join(dir, 'from-dotenv.sqlite')}\nLOG_LEVEL=info\n`,
    );
    const server = await startServer({ PORT: String(envPort) }, { cwd: dir });
    try {
      const started = server.logs().find((l) => l.msg === 'Identity Hub started')!;
      expect(started).toMatchObject({ port: envPort, engine: 'sqlite', envFile: join(dir, '.env') });
      expect(existsSync(join(dir, 'from-dotenv.sqlite'))).toBe(true);
      const res = await fetch(`http://127.0.0.1:${envPort}/health/live`);
      expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('is loaded by the CLI too', async () => {
    writeFileSync(join(dir, '.env'), `DATABASE_URL=sqlite:${join(dir, 'cli.sqlite')}\n`);
    const cli = runNode(CLI_JS, {}, { cwd: dir, args: ['migrate'] });
    expect((await cli.exited).code).toBe(0);
    expect(existsSync(join(dir, 'cli.sqlite'))).toBe(true);
  });
});

describe('start-up failures', () => {
  const sqlite = () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'identity-hub-fail-')), 'db.sqlite')}`;

  /**
   * Starts the server expecting it to fail: exit 1, one line on stderr, no stack trace anywhere. A wrong
   * DATABASE_URL or REDIS_URL is found before the framework loads: within 10 s (today about 0.5 s).
   */
  async function failure(env: Record<string, string>): Promise<string> {
    const run = runNode(MAIN_JS, { PORT: String(await freePort()), LOG_LEVEL: 'info', ...env });
    const { code, afterMs } = await run.exited;
    expect(code).toBe(1);
    if (!env.BOOTSTRAP_ADMIN_PASSWORD) expect(afterMs).toBeLessThan(10_000);
    expect(run.stderr).toHaveLength(1);
    expect(run.stdout.join('\n')).not.toMatch(/\n\s+at |"stack"|Retrying/);
    return run.stderr[0];
  }

  it('name the variable to fix, in one line (a wrong DATABASE_URL or REDIS_URL within 10 seconds)', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/identity' },
        /^Identity Hub failed to start: DATABASE_URL: cannot connect to PostgreSQL at 127\.0\.0\.1:1 \(connection refused\); is the server running and the URL right\?$/,
      ],
      [
        { DATABASE_URL: sqlite(), REDIS_URL: 'redis://127.0.0.1:1' },
        /^Identity Hub failed to start: REDIS_URL: cannot connect to Redis at 127\.0\.0\.1:1 \(connection refused\); is it running and the URL right\?$/,
      ],
      [
        { DATABASE_URL: sqlite(), BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com', BOOTSTRAP_ADMIN_PASSWORD: 'short' },
        /^Identity Hub failed to start: BOOTSTRAP_ADMIN_PASSWORD: refused: Password must be at least 10 characters long$/,
      ],
      [
        { PORT: 'abc' },
        /^Identity Hub failed to start: Invalid configuration: PORT must be a whole number, got "abc"$/,
      ],
    ];
    if (isPostgres()) {
      const base = new URL(process.env.DATABASE_URL!);
      base.pathname = '/no_such_database_here';
      cases.push([
        { DATABASE_URL: base.toString() },
        /^Identity Hub failed to start: DATABASE_URL: PostgreSQL at .+ has no database "no_such_database_here"$/,
      ]);
    }
    for (const [env, line] of cases) expect(await failure(env)).toMatch(line); // one at a time: each is timed
  });
});

/** A POST whose body is sent in two parts: the request is in flight until the second part is written. */
function slowRequest(port: number, path: string, headers: Record<string, string>, body: string) {
  const half = Math.floor(body.length / 2);
  let finish!: () => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, half));
    finish = () => req.end(body.slice(half));
  });
  return { response, finish: () => finish() };
}

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, writes lastUsedAt, logs it and exits 0 within 10 s', async () => {
    const db = await freshDatabase();
    const server = await startServer({ DATABASE_URL: db.url, PORT: String(await freePort()), ...redisEnv() });
    // the scene: an API token, written straight to the (migrated) database
    const ds = createDataSource(loadConfig({ DATABASE_URL: db.url }));
    await ds.initialize();
    try {
      const token = randomToken();
      const id = newId();
      await ds.getRepository(ApiTokenEntity).insert({
        id,
        name: 'shutdown',
        scopes: ['identities:read'],
        tokenHash: sha256(token),
        lastUsedAt: null,
        revokedAt: null,
      });

      const slow = slowRequest(
        server.port,
        '/graphql',
        { 'content-type': 'application/json', 'x-request-token': token, 'x-request-id': 'in-flight-1' },
        JSON.stringify({ query: 'query InFlight { identities { id } }' }),
      );
      await new Promise((r) => setTimeout(r, 300)); // the server has the request's headers
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      await server.waitForLog((l) => l.msg?.startsWith('Identity Hub shutting down'));
      // no new connection is accepted while the request in flight is finishing
      await expect(fetch(`http://127.0.0.1:${server.port}/health/live`)).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 300));
      slow.finish();

      const answer = await slow.response;
      expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { data: { identities: [] } }]);
      const exit = await server.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(10_000);

      const logs = server.logs();
      expect(logs.find((l) => l.reqId === 'in-flight-1' && l.msg === 'request completed')).toMatchObject({
        statusCode: 200,
        actor: 'api-token',
        actorId: id,
        operation: 'InFlight',
      });
      expect(logs.find((l) => l.msg === 'lastUsedAt written')).toMatchObject({ tokens: 1 });
      expect(logs.at(-1)).toMatchObject({ msg: 'Identity Hub stopped', signal: 'SIGTERM' });
      expect(logs.filter((l) => l.level >= 50)).toEqual([]);
      expect(server.stderr).toEqual([]);

      const row = await ds.getRepository(ApiTokenEntity).findOneByOrFail({ id });
      expect(row.lastUsedAt).not.toBeNull();
      expect(Math.abs(row.lastUsedAt!.getTime() - signalled)).toBeLessThan(5000);
    } finally {
      server.kill();
      await ds.destroy();
      await db.drop();
    }
  });

  it('gives up after SHUTDOWN_TIMEOUT_MS on a request that never finishes: logged, exit 1', async () => {
    const db = await freshDatabase();
    const server = await startServer({
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      SHUTDOWN_TIMEOUT_MS: '1500',
      ...redisEnv(),
    });
    try {
      const stuck = slowRequest(
        server.port,
        '/graphql',
        { 'content-type': 'application/json' },
        '{"query":"{ __typename }"}',
      );
      stuck.response.catch(() => undefined); // cut when the process exits
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(1500);
      expect(server.logs().at(-1)).toMatchObject({
        level: 50,
        signal: 'SIGTERM',
        timeoutMs: 1500,
        msg: 'Identity Hub did not shut down within SHUTDOWN_TIMEOUT_MS; exiting with requests or writes unfinished',
      });
    } finally {
      server.kill();
      await db.drop();
    }
  });
});
