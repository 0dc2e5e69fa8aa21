/** `npm run cli -- <command> [--flag value ...]`: operator commands without a browser. */
import 'reflect-metadata';
import { createApp } from '../app';
import { AppError } from '../common/app-error';
import { ConfigError, loadConfig } from '../config/app-config';
import { loadDotEnv } from '../config/dotenv';
import { CliUsageError, COMMANDS, Flags } from './commands';

export function parseArgs(argv: string[]): { command?: string; flags: Flags } {
  const [command, ...rest] = argv;
  const flags: Flags = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new CliUsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else if (i + 1 < rest.length && !rest[i + 1].startsWith('--')) flags[arg.slice(2)] = rest[++i];
    else flags[arg.slice(2)] = true;
  }
  return { command, flags };
}

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(52)} ${c.description}`);
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}`;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${usage()}`);
    return 2;
  }
  const command = parsed.command ? COMMANDS[parsed.command] : undefined;
  if (!command) {
    console.error(parsed.command ? `unknown command "${parsed.command}"\n\n${usage()}` : usage());
    return 2;
  }
  let config;
  try {
    loadDotEnv(); // .env in the working directory, as for the server; real environment variables win
    // A command does not deliver the outbox: the running service does.
    config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', OUTBOX_POLL_MS: '0' });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const app = await createApp(config);
  try {
    await command.run(app, parsed.flags);
    return 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      console.error(`${e.message}\nusage: npm run cli -- ${command.usage}`);
      return 2;
    }
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
