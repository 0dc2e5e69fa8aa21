import { spawn, spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, CliOptions, ensureBuilt, LAUNCHER, ROOT, runCli } from '../helpers/cli';
import { freshDatabase, isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken item { email role { name } } }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;
const REGISTER = `mutation($email: String!) { registerUser(data: { email: $email, password: "a customer passphrase" }) { id } }`;
const COMMAND_NAMES = [
  'migrate',
  'user:create-admin',
  'user:list',
  'user:promote',
  'api-token:create',
  'api-token:list',
  'api-token:revoke',
  'identities:import',
  'identities:export',
];
const hasScript = spawnSync('script', ['--version']).status === 0;

// every command is a child process booting the application: seconds each on a busy machine
jest.setTimeout(180_000);

describe('the CLI launcher (npm run cli)', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('lists the commands without building when the build is current', async () => {
    const usage = await runCli([], { databaseUrl: 'sqlite::unused' });
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(/building/);
    expect(usage.stdout).toMatch(/^usage: npm run cli -- <command> \[options\]\n\ncommands:\n/);
    for (const name of COMMAND_NAMES) expect(usage.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    const help = await runCli(['identities:import', '--help'], { databaseUrl: 'sqlite::unused' });
    expect([help.code, help.stdout.split('\n')[0]]).toEqual([
      0,
      'usage: npm run cli -- identities:import FILE [--errors F] [--dry-run] [--resume] [--format csv|jsonl]',
    ]);
  });

  (isPostgres() ? it.skip : it)(
    'rebuilds when a source is newer than the last build, and only then',
    async () => {
      const stamp = join(ROOT, 'dist', '.build-stamp');
      utimesSync(stamp, new Date(0), new Date(0)); // as if src/ had changed since
      const stale = await runCli(['--build'], { databaseUrl: 'sqlite::unused' });
      expect([stale.code, stale.stderr]).toEqual([0, 'building dist/ (the sources changed since the last build)…\n']);
      expect(statSync(stamp).mtimeMs).toBeGreaterThan(Date.now() - 120_000);
      const current = await runCli(['--build'], { databaseUrl: 'sqlite::unused' });
      expect([current.code, current.stderr]).toEqual([0, '']);
    },
    180_000,
  );

  it('refuses an option the command does not take, naming those it does', async () => {
    const res = await runCli(['user:list', '--rol', 'Admin'], { databaseUrl: 'sqlite::unused' });
    expect([res.code, res.stderr]).toEqual([
      2,
      'unknown option --rol (it takes --role, --limit, --staff)\nusage: npm run cli -- user:list [--role NAME | --staff] [--limit N]\n',
    ]);
  });
});

describe('user and API token commands', () => {
  let t: TestApp;
  let db: { url: string; drop: () => Promise<void> };
  let cli: (args: string[], more?: Partial<CliOptions>) => ReturnType<typeof runCli>;

  beforeAll(async () => {
    await ensureBuilt();
    db = await freshDatabase();
    // without Redis the CLI cannot reach this server's credential cache, so it caches nothing here;
    // with Redis it keeps its cache and hears of the CLI's changes
    t = await startTestApp({ databaseUrl: db.url, env: isPostgres() ? {} : { CREDENTIAL_CACHE_MS: '0' } });
    const env = { REDIS_KEY_PREFIX: t.config.redisKeyPrefix };
    cli = (args, more = {}) => runCli(args, { databaseUrl: db.url, ...more, env: { ...env, ...more.env } });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('creates an admin with the password from standard input, never from the command line', async () => {
    const created = await cli(['user:create-admin', '--email', 'Ops@Example.com', '--password-stdin'], {
      input: 'an operator passphrase\n',
    });
    expect([created.code, created.stderr]).toEqual([0, '']);
    expect(created.stdout).toMatch(/^created admin ops@example\.com \(id [0-9a-f-]{36}\)\n$/);
    const signIn = await t.gql(SIGN_IN, { email: 'ops@example.com', password: 'an operator passphrase' });
    expect(signIn.data.authenticateUserWithPassword.item).toEqual({
      email: 'ops@example.com',
      role: { name: 'Admin' },
    });

    const noPassword = await cli(['user:create-admin', '--email', 'second@example.com']);
    expect([noPassword.code, noPassword.stderr.split('\n')[0]]).toEqual([
      2,
      'no password: run it on a terminal to be prompted, or pipe it in with --password-stdin',
    ]);
    const weak = await cli(['user:create-admin', '--email', 'second@example.com', '--password-stdin'], {
      input: 'short\n',
    });
    expect([weak.code, weak.stderr]).toEqual([1, 'error: Password must be at least 10 characters long\n']);
    const empty = await cli(['user:create-admin', '--email', 'second@example.com', '--password-stdin']);
    expect([empty.code, empty.stderr.split('\n')[0]]).toEqual([2, '--password-stdin: standard input is empty']);
    const badEmail = await cli(['user:create-admin', '--email', 'nope', '--password-stdin'], { input: 'x' });
    expect([badEmail.code, badEmail.stderr]).toEqual([1, 'error: email is not a valid email address: nope\n']);
    // still accepted, but discouraged
    const onLine = await cli(['user:create-admin', '--email', 'third@example.com', '--password', 'a third passphrase']);
    expect(onLine.code).toBe(0);
    expect(onLine.stderr).toMatch(/^warning: --password shows the password in the shell history/);
  });

  (hasScript ? it : it.skip)('prompts for the password on a terminal, twice, echoing nothing', async () => {
    const run = (answers: string[]) =>
      new Promise<{ output: string; code: number | null }>((resolve) => {
        // script(1) gives the command a pseudo-terminal; what it prints comes back on stdout
        const child = spawn(
          'script',
          ['-qefc', `"${process.execPath}" "${LAUNCHER}" user:create-admin --email tty@example.com`, '/dev/null'],
          { cwd: ROOT, env: cliEnv({ databaseUrl: db.url }) },
        );
        let output = '';
        let asked = 0;
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          output += d;
          // answer each prompt once it is shown (typed earlier, the terminal would still be echoing)
          const prompts = output.split(/Password(?: again)?: /).length - 1;
          while (asked < prompts && asked < answers.length) child.stdin.write(`${answers[asked++]}\r`);
        });
        const stuck = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('close', (code) => {
          clearTimeout(stuck);
          resolve({ output, code });
        });
      });
    const differ = await run(['a terminal passphrase', 'another passphrase']);
    expect(differ.output).toMatch(/the two passwords differ/);
    expect(differ.code).toBe(2);
    const ok = await run(['a terminal passphrase', 'a terminal passphrase']);
    expect(ok.code).toBe(0);
    expect(ok.output.replace(/\r/g, '')).toMatch(
      /^Password: \nPassword again: \ncreated admin tty@example\.com \(id [0-9a-f-]{36}\)\n$/,
    );
    expect(ok.output).not.toContain('passphrase');
    const signIn = await t.gql(SIGN_IN, { email: 'tty@example.com', password: 'a terminal passphrase' });
    expect(signIn.data.authenticateUserWithPassword.item.email).toBe('tty@example.com');
  });

  it('lists users, and promotes one to a role whose permissions their session carries at once', async () => {
    await t.gql(REGISTER, { email: 'shopper@example.com' });
    const session = (await t.gql(SIGN_IN, { email: 'shopper@example.com', password: 'a customer passphrase' })).data
      .authenticateUserWithPassword.sessionToken as string;
    expect((await t.gql('{ apiTokens { id } }', {}, session)).code).toBe('FORBIDDEN');

    const promoted = await cli(['user:promote', '--email', 'Shopper@example.com', '--role', 'Admin']);
    expect([promoted.code, promoted.stderr]).toEqual([0, '']);
    expect(promoted.stdout.split('\n')[0]).toBe('shopper@example.com now has the role Admin (was: none)');
    expect((await t.gql('{ apiTokens { id } }', {}, session)).errors).toBeUndefined();

    const staff = await cli(['user:list', '--staff']);
    expect(staff.code).toBe(0);
    const lines = staff.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EMAIL +NAME +ROLE +PASSWORD +CREATED +ID$/);
    expect(lines.slice(1, -1).map((l) => l.split(/ {2,}/).slice(0, 4))).toEqual(
      expect.arrayContaining([
        ['ops@example.com', 'Admin', 'Admin', 'yes'],
        ['shopper@example.com', '-', 'Admin', 'yes'],
      ]),
    );
    expect(lines[lines.length - 1]).toMatch(/^\d+ users$/);
    const limited = await cli(['user:list', '--role', 'Admin', '--limit', '1']);
    expect(limited.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^EMAIL/),
      expect.stringMatching(/^ops@example\.com +Admin +Admin +yes +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +[0-9a-f-]{36}$/),
      expect.stringMatching(/^1 of \d+ users \(--limit\)$/),
    ]);

    const noRole = await cli(['user:promote', '--email', 'shopper@example.com', '--role', 'Owner']);
    expect([noRole.code, noRole.stderr]).toEqual([1, 'error: No role is named "Owner"; the roles are: Admin\n']);
    const noUser = await cli(['user:promote', '--email', 'ghost@example.com', '--role', 'Admin']);
    expect([noUser.code, noUser.stderr]).toEqual([1, 'error: No user has the email ghost@example.com\n']);
    const missing = await cli(['user:promote', '--email', 'ghost@example.com']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, '--role is required']);
  });

  it('lists API tokens with their state, never the tokens', async () => {
    const created = await cli(['api-token:create', '--name', 'etl', '--scopes', 'identities:write,identities:read']);
    const token = /token: +([0-9a-f]{64})/.exec(created.stdout)![1];
    const id = /id: +([0-9a-f-]{36})/.exec(created.stdout)![1];
    const second = await cli(['api-token:create', '--name', 'old', '--scopes', 'gdpr']);
    const secondId = /id: +([0-9a-f-]{36})/.exec(second.stdout)![1];
    expect((await cli(['api-token:revoke', '--id', secondId])).code).toBe(0);

    const listed = await cli(['api-token:list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(token);
    const rows = listed.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID +NAME +SCOPES +CREATED +LAST USED +REVOKED$/);
    const cells = (rowId: string) => rows.find((r) => r.startsWith(rowId))!.split(/ {2,}/);
    expect(cells(id)).toEqual([id, 'etl', 'identities:write,identities:read', expect.stringMatching(/Z$/), '-', '-']);
    expect(cells(secondId)).toEqual([
      secondId,
      'old',
      'gdpr',
      expect.stringMatching(/Z$/),
      '-',
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    ]);
    expect(rows[rows.length - 1]).toBe('2 tokens, 1 active');
  });
});
