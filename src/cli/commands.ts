import { createWriteStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config';
import type { ImportSummary } from '../identity/partner-api/identity-import.service';
import type { ImportFormat } from '../identity/partner-api/import-format';
import { CliUsageError, Flags } from './cli-errors';

/** The application's classes, loaded when a command runs (not to list the commands). */
const services = () => import('./services');

export { CliUsageError } from './cli-errors';
export type { Flags } from './cli-errors';

export interface CliCommand {
  usage: string;
  description: string;
  /** flags that take a value (`--name value` or `--name=value`) */
  options?: string[];
  /** flags without one */
  switches?: string[];
  /** positional arguments, in order, all required */
  args?: string[];
  /** what it prints; a number is the exit code (0 when nothing is returned) */
  run(app: NestFastifyApplication, flags: Flags, args?: string[]): Promise<void | number>;
}

/** A required string flag, or a usage error. */
export function requireFlag(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value === '') throw new CliUsageError(`--${name} is required`);
  return value;
}

/**
 * A file named on the command line, relative to where the user ran npm (`npm run` runs scripts in the
 * repository's root; npm sets INIT_CWD to the directory it was started in).
 */
function userPath<T extends string | undefined>(file: T): T {
  return (file === undefined ? file : resolve(process.env.INIT_CWD ?? process.cwd(), file)) as T;
}

/** An optional whole-number flag. */
function numberFlag(flags: Flags, name: string, fallback: number, min: number, max: number): number {
  const value = flags[name];
  if (value === undefined) return fallback;
  const n = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max)
    throw new CliUsageError(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

/** The exit code of an import that refused rows (the others were imported). */
export const EXIT_ROWS_REFUSED = 3;

const count = (n: number) => n.toLocaleString('en-US');
const when = (date: Date | null) => (date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Rows of text in aligned columns (the first row is the header). */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The operator commands (`npm run cli -- <command> [--flag value]`). Each feature adds its own here.
 * The application starts (and migrates) before a command runs, so every command sees a current schema.
 */
export const COMMANDS: Record<string, CliCommand> = {
  migrate: {
    usage: 'migrate',
    description: 'run pending database migrations (they also run at every start)',
    async run(app) {
      const { DataSource } = await services();
      const pending = await app.get(DataSource).showMigrations();
      console.log(pending ? 'migrations pending' : 'database schema is up to date');
    },
  },
  'user:create-admin': {
    usage: 'user:create-admin --email E [--password-stdin]',
    description: 'create a user with the Admin role (every permission); prompts for the password',
    options: ['email', 'password'],
    switches: ['password-stdin'],
    async run(app, flags) {
      const email = requireFlag(flags, 'email');
      const { AdminBootstrapService, parseEmail, readPassword } = await services();
      parseEmail(email); // refused before the password is asked for
      const password = await readPassword(flags, true);
      const user = await app.get(AdminBootstrapService).createAdmin(email, password);
      console.log(`created admin ${user.email} (id ${user.id})`);
    },
  },
  'user:list': {
    usage: 'user:list [--role NAME | --staff] [--limit N]',
    description: 'list users by email: all, those with a role (--staff), or with one role',
    options: ['role', 'limit'],
    switches: ['staff'],
    async run(app, flags) {
      if (flags.role === true) throw new CliUsageError('--role needs a role name');
      const limit = numberFlag(flags, 'limit', 100, 1, 100_000);
      const { OperatorService } = await services();
      const { users, total } = await app
        .get(OperatorService)
        .list({ role: flags.role as string | undefined, staff: flags.staff === true, limit });
      if (!users.length) {
        console.log('no users');
        return;
      }
      console.log(
        table([
          ['EMAIL', 'NAME', 'ROLE', 'PASSWORD', 'CREATED', 'ID'],
          ...users.map((u) => [
            u.email ?? '-',
            u.name ?? '-',
            u.role?.name ?? '-',
            u.passwordHash ? 'yes' : 'no',
            when(u.createdAt),
            u.id,
          ]),
        ]),
      );
      console.log(
        users.length < total ? `${count(users.length)} of ${plural(total, 'user')} (--limit)` : plural(total, 'user'),
      );
    },
  },
  'user:promote': {
    usage: 'user:promote --email E --role NAME',
    description: 'give a user an existing role (e.g. Admin); their sessions carry it at once',
    options: ['email', 'role'],
    async run(app, flags) {
      const { APP_CONFIG, OperatorService } = await services();
      const { user, previous } = await app
        .get(OperatorService)
        .promote(requireFlag(flags, 'email'), requireFlag(flags, 'role'));
      console.log(`${user.email} now has the role ${user.role!.name} (was: ${previous ?? 'none'})`);
      if (!user.passwordHash) {
        console.log(`note: ${user.email} has no password yet, so cannot sign in until one is set`);
      }
      // Running servers hear of it through Redis; without Redis this process cannot reach their caches.
      const config = app.get<AppConfig>(APP_CONFIG);
      if (!config.redisUrl && config.credentialCacheMs > 0) {
        console.log(
          `note: without REDIS_URL, a running server where this user signed in during the last ${Math.ceil(config.credentialCacheMs / 1000)} s ` +
            'keeps their old permissions until its credential cache expires (CREDENTIAL_CACHE_MS)',
        );
      }
    },
  },
  'api-token:create': {
    usage: 'api-token:create --name N --scopes a,b',
    description: 'create an API token (scopes: identities:read, identities:write, gdpr); prints it once',
    options: ['name', 'scopes'],
    async run(app, flags) {
      const scopes = requireFlag(flags, 'scopes')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const { ApiTokenService } = await services();
      const { token, apiToken } = await app.get(ApiTokenService).create(requireFlag(flags, 'name'), scopes);
      console.log(
        `id:     ${apiToken.id}\nname:   ${apiToken.name}\nscopes: ${apiToken.scopes.join(',')}\ntoken:  ${token}`,
      );
      console.log('The token is shown this once; only its hash is stored.');
    },
  },
  'api-token:list': {
    usage: 'api-token:list',
    description: 'list API tokens (never the tokens themselves: only their hashes are stored)',
    async run(app) {
      const { ApiTokenService } = await services();
      const tokens = await app.get(ApiTokenService).list();
      if (!tokens.length) {
        console.log('no API tokens');
        return;
      }
      console.log(
        table([
          ['ID', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
          ...tokens.map((t) => [
            t.id,
            t.name,
            t.scopes.join(','),
            when(t.createdAt),
            when(t.lastUsedAt),
            when(t.revokedAt),
          ]),
        ]),
      );
      const active = tokens.filter((t) => !t.revokedAt).length;
      console.log(`${plural(tokens.length, 'token')}, ${count(active)} active`);
    },
  },
  'api-token:revoke': {
    usage: 'api-token:revoke --id ID',
    description: 'revoke an API token at once',
    options: ['id'],
    async run(app, flags) {
      const { APP_CONFIG, ApiTokenService } = await services();
      const apiToken = await app.get(ApiTokenService).revoke(requireFlag(flags, 'id'));
      console.log(`revoked ${apiToken.id} (${apiToken.name}) at ${apiToken.revokedAt?.toISOString()}`);
      // Running servers hear of it through Redis; without Redis this process cannot reach their caches.
      const config = app.get<AppConfig>(APP_CONFIG);
      if (!config.redisUrl && config.credentialCacheMs > 0) {
        console.log(
          `note: without REDIS_URL, a running server that used this token in the last ${Math.ceil(config.credentialCacheMs / 1000)} s ` +
            'may accept it until its credential cache expires (CREDENTIAL_CACHE_MS); revokeApiToken over GraphQL is immediate there',
        );
      }
    },
  },
  'user:reset-link': {
    usage: 'user:reset-link --email E',
    description: 'print a one-time password reset link for a user (no mail is sent)',
    options: ['email'],
    async run(app, flags) {
      const { AuthService } = await services();
      const { email, link, expiresAt } = await app
        .get(AuthService)
        .createPasswordResetLink(requireFlag(flags, 'email'));
      console.log(`A one-time password reset link for ${email}, valid until ${expiresAt.toISOString()}:`);
      console.log(link);
      console.log('It replaces any earlier reset link of this user. Hand it over to its owner only.');
    },
  },
  'identities:import': {
    usage: 'identities:import FILE [--errors F] [--dry-run] [--resume] [--format csv|jsonl]',
    description: 'create and update profiles from CSV or JSON Lines with /upsert rules, 1,000 rows a transaction',
    args: ['FILE'],
    options: ['errors', 'format', 'checkpoint', 'progress-every'],
    switches: ['dry-run', 'resume'],
    async run(app, flags, args = []) {
      const [file] = args;
      if (!file) throw new CliUsageError('FILE is required');
      const format = flags.format;
      const { IdentityImportService, IMPORT_FORMATS, Progress } = await services();
      if (format !== undefined && !IMPORT_FORMATS.includes(format as ImportFormat)) {
        throw new CliUsageError(`--format must be ${IMPORT_FORMATS.join(' or ')}`);
      }
      for (const name of ['errors', 'checkpoint']) {
        if (flags[name] === true) throw new CliUsageError(`--${name} needs a file name`);
      }
      const everyMs = numberFlag(flags, 'progress-every', 5, 0.1, 3600) * 1000;
      const dryRun = flags['dry-run'] === true;
      const started = Date.now();
      let progress: InstanceType<typeof Progress> | undefined;
      // Ctrl-C or SIGTERM ends the process at once (the application's shutdown hooks), rolling back the
      // chunk in flight: say where it stands and how to go on
      let committed = 0;
      const interrupted = () => {
        progress?.stop();
        process.stderr.write(
          dryRun
            ? '\ninterrupted: nothing was written\n'
            : `\ninterrupted: the rows up to line ${count(committed)} are imported; ` +
                'run the same command with --resume to continue after it\n',
        );
      };
      process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
      const summary = await app.get(IdentityImportService).run({
        file: userPath(file),
        format: format as ImportFormat | undefined,
        errorsFile: userPath(flags.errors as string | undefined),
        checkpointFile: userPath(flags.checkpoint as string | undefined),
        dryRun,
        resume: flags.resume === true,
        onProgress: (p) => {
          committed = p.line;
          progress ??= new Progress(
            { stream: process.stderr, everyMs },
            dryRun ? 'checking' : 'importing',
            p.totalBytes,
            'rows',
          );
          const percent = Math.floor((100 * p.bytesRead) / Math.max(p.totalBytes, 1));
          progress.update(
            p.bytesRead,
            p.rowsThisRun,
            `${count(p.refused)} refused`,
            () =>
              `up to line ${count(p.line)}: ${count(p.rows)} rows, ${count(p.imported)} ${dryRun ? 'valid' : 'imported'}, ` +
              `${count(p.refused)} refused, ${percent}% of the file`,
          );
        },
      });
      process.removeListener('SIGINT', interrupted).removeListener('SIGTERM', interrupted);
      progress?.stop();
      printImportSummary(file, summary, flags.errors as string | undefined, (Date.now() - started) / 1000);
      return summary.refused > 0 ? EXIT_ROWS_REFUSED : 0;
    },
  },
  'identities:export': {
    usage: 'identities:export FILE',
    description: 'write every profile (iid, identifiers, attributes) as JSON Lines; FILE "-" is standard output',
    args: ['FILE'],
    options: ['progress-every'],
    async run(app, flags, args = []) {
      const [file] = args;
      if (!file) throw new CliUsageError('FILE is required');
      const everyMs = numberFlag(flags, 'progress-every', 5, 0.1, 3600) * 1000;
      const started = Date.now();
      const { DataSource, IdentityExportService, IdentityProfileEntity, Progress } = await services();
      const total = await app.get(DataSource).getRepository(IdentityProfileEntity).count();
      const out = file === '-' ? process.stdout : createWriteStream(userPath(file));
      const progress = new Progress({ stream: process.stderr, everyMs }, 'exporting', total, 'profiles');
      const { profiles } = await app
        .get(IdentityExportService)
        .run(out, (done) =>
          progress.update(done, done, `of ${count(total)}`, () => `${count(done)} of ${count(total)} profiles`),
        );
      progress.stop();
      if (out !== process.stdout) {
        out.end();
        await finished(out);
      }
      const seconds = (Date.now() - started) / 1000;
      const line = `exported ${plural(profiles, 'profile')} to ${file === '-' ? 'standard output' : file} in ${seconds.toFixed(1)} s`;
      // with "-", standard output is the data
      (file === '-' ? console.error : console.log)(line);
    },
  },
};

function printImportSummary(file: string, s: ImportSummary, errorsFile: string | undefined, seconds: number) {
  const rss = Math.round(process.resourceUsage().maxRSS / 1024);
  if (s.resumedAfterLine !== null) {
    console.log(`resumed after line ${count(s.resumedAfterLine)} (the interrupted run had committed up to it)`);
  }
  console.log(
    `read ${plural(s.rowsThisRun, 'row')} of ${basename(file)} (${s.format === 'csv' ? 'CSV' : 'JSON Lines'}) in ${seconds.toFixed(1)} s: ` +
      `${count(Math.round(s.rowsThisRun / Math.max(seconds, 0.001)))} rows/s, peak memory ${rss} MB`,
  );
  const verb = s.dryRun ? 'would import' : 'imported';
  const all = s.resumedAfterLine !== null ? ' (with the interrupted run)' : '';
  console.log(`${verb} ${count(s.imported)}${all}: ${plural(s.created, 'new profile')}, ${count(s.updated)} updated`);
  if (s.refused) {
    console.log(
      `refused ${plural(s.refused, 'row')}` + (errorsFile ? ` (line, field and message in ${errorsFile})` : ':'),
    );
    if (!errorsFile) {
      for (const p of s.firstProblems) console.log(`  line ${p.line}${p.field ? ` ${p.field}` : ''}: ${p.message}`);
      if (s.firstProblems.length < s.refused) console.log('  … (--errors FILE lists them all)');
    }
  }
  if (s.analyzed) console.log('statistics refreshed (ANALYZE)');
  if (s.dryRun) console.log('dry run: nothing was written');
}
