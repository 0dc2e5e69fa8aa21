import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const MAIN_JS = join(ROOT, 'dist', 'main.js');
export const CLI_JS = join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm run build` when dist/ is missing or older than src/ (the specs below run the built server). */
export function ensureBuilt(): void {
  if (existsSync(MAIN_JS) && statSync(MAIN_JS).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  /** stdout lines (JSON log lines) */
  stdout: string[];
  stderr: string[];
  /** the parsed JSON lines of stdout */
  logs(): Record<string, any>[];
  /** resolves with the first log line matching, or rejects after timeoutMs */
  waitForLog(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
  kill(): void;
}

/**
 * Runs `node <script>` (the built server or CLI) with exactly `env` (plus PATH): nothing of the test
 * runner's environment leaks in, so DATABASE_URL and REDIS_URL are what the test says.
 */
export function runNode(script: string, env: Record<string, string>, options: { cwd?: string; args?: string[] } = {}) {
  const started = Date.now();
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { match: (line: Record<string, any>) => boolean; resolve: (line: Record<string, any>) => void }[] = [];
  const parse = (line: string): Record<string, any> | null => {
    try {
      return JSON.parse(line) as Record<string, any>;
    } catch {
      return null;
    }
  };
  const split = (target: string[], onLine?: (line: string) => void) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) {
        target.push(line);
        onLine?.(line);
      }
    };
  };
  child.stdout!.on(
    'data',
    split(stdout, (line) => {
      const parsed = parse(line);
      if (!parsed) return;
      for (const waiter of [...waiters]) {
        if (waiter.match(parsed)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(parsed);
        }
      }
    }),
  );
  child.stderr!.on('data', split(stderr));
  // 'close', not 'exit': 'exit' can come before the last lines of stdout were read (CI saw a SIGTERM
  // test miss the final "Identity Hub stopped" line); 'close' comes once the child's stdio has ended.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, afterMs: Date.now() - started })),
  );
  const server: ServerProcess = {
    child,
    stdout,
    stderr,
    logs: () => stdout.map(parse).filter((l): l is Record<string, any> => l !== null),
    waitForLog: (match, timeoutMs = 30_000) => {
      const seen = server.logs().find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching log line within ${timeoutMs} ms; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        const exit = () =>
          reject(new Error(`the process exited; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
        void exited.then(exit);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  return server;
}

/** Starts the built server and waits for its start line. */
export async function startServer(env: Record<string, string>, options: { cwd?: string } = {}) {
  const server = runNode(MAIN_JS, { LOG_LEVEL: 'info', ...env }, options);
  const started = await server.waitForLog((l) => l.msg === 'Identity Hub started');
  return { ...server, port: started.port as number };
}
