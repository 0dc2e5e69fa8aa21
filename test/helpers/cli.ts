import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const LAUNCHER = join(ROOT, 'scripts', 'cli.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** DATABASE_URL of the database the command works on */
  databaseUrl: string;
  env?: Record<string, string>;
  /** written to the command's standard input (then closed) */
  input?: string;
  /** called once the child is running (e.g. to kill it) */
  started?: (child: ChildProcess) => void;
}

/** The environment a CLI child gets: this one's, with the database named and no .env surprises. */
export function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: options.databaseUrl, ...options.env };
  delete env.LOG_LEVEL;
  if (!process.env.REDIS_URL) delete env.REDIS_URL;
  return env;
}

/** Runs `npm run cli -- …` the way npm does (`node scripts/cli.mjs …`), as a child process. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd: ROOT, env: cliEnv(options) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
    options.started?.(child);
  });
}

/** Builds dist/ if the sources changed (what every CLI run does first), so later runs are timed fairly. */
export async function ensureBuilt(): Promise<void> {
  const result = await runCli(['--build'], { databaseUrl: 'sqlite::unused' });
  if (result.code !== 0) throw new Error(`the build failed:\n${result.stderr}`);
}
