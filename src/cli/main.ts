/** `npm run cli -- <command> [FILE] [--flag value ...]`: operator commands without a browser. */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/app-config';
import { loadDotEnv } from '../config/dotenv';
import { CliInterrupted, CliUsageError, Flags } from './cli-errors';
import { CliCommand, COMMANDS } from './commands';

/**
 * A command's arguments: `--name value` or `--name=value` for its options, `--name` for its switches,
 * the rest positional. Anything the command does not take is a usage error.
 */
export function parseArgs(argv: string[], command: CliCommand): { flags: Flags; args: string[] } {
  const options = new Set(command.options ?? []);
  const switches = new Set(command.switches ?? []);
  const flags: Flags = {};
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '-') {
      args.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (switches.has(name)) {
      if (eq > 0) throw new CliUsageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (options.has(name)) {
      if (eq > 0) flags[name] = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
      else throw new CliUsageError(`--${name} needs a value`);
    } else {
      const known = [...options, ...switches].map((n) => `--${n}`);
      throw new CliUsageError(`unknown option --${name}${known.length ? ` (it takes ${known.join(', ')})` : ''}`);
    }
  }
  const expected = command.args ?? [];
  if (args.length > expected.length) throw new CliUsageError(`unexpected argument "${args[expected.length]}"`);
  if (args.length < expected.length) throw new CliUsageError(`${expected[args.length]} is required`);
  return { flags, args };
}

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.description}`);
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}`;
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help')) {
    console.log(`usage: npm run cli -- ${command.usage}\n\n${command.description}`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs(rest, command);
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: npm run cli -- ${command.usage}`);
    return 2;
  }
  let config;
  try {
    loadDotEnv(); // .env in the working directory, as for the server; real environment variables win
    // A command does not deliver the outbox: the running service does. Its log says only what failed
    // (the server's warnings, such as no SMTP_URL or no console build, are not about the command).
    config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', OUTBOX_POLL_MS: '0' });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  // No tuneHeap(): a command is a batch job, where V8's own heap sizing is faster (the import of 200,000
  // rows: 12,200 rows/s and 364 MB peak, against 10,800-11,200 rows/s and 190 MB with the server's tuning).
  // loaded now, not to list the commands or refuse a command line (NestJS and the rest take seconds)
  const { createApp } = await import('../app');
  const { AppError } = await import('../common/app-error');
  const { createLogger } = await import('../common/logger');
  const { default: pino } = await import('pino');
  // log lines go to standard error: standard output is the command's (a table, an export with "-")
  const app = await createApp(config, {
    logger: createLogger(config.logLevel, pino.destination({ dest: 2, sync: true })),
  });
  try {
    return (await command.run(app, parsed.flags, parsed.args)) ?? 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      console.error(`${e.message}\nusage: npm run cli -- ${command.usage}`);
      return 2;
    }
    if (e instanceof CliInterrupted) return 130;
    if (e instanceof AppError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('error:', e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
