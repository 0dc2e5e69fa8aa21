import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Loads `.env` from the working directory into `process.env`, if there is one. Variables already set in
 * the real environment win (Node's `process.loadEnvFile` never overwrites them). Only the entry points
 * (`main.ts`, the CLI) call this: `loadConfig` reads whatever environment it is given, so the test suite
 * never picks up a developer's `.env` by accident. Returns the file loaded, if any, for the start line.
 */
export function loadDotEnv(cwd: string = process.cwd()): string | undefined {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return undefined;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  return file;
}
