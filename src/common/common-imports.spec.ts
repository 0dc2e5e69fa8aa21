import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * `common/` serves every feature and depends on none: it may import packages, itself and `config/`,
 * never a feature folder (a feature registers what common needs from it, e.g. its error format).
 */
describe('common/ imports no feature folder', () => {
  const src = resolve(__dirname, '..');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );
  const IMPORT = /(?:from|import|require\()\s*['"](\.[^'"]+)['"]/g;

  it('every relative import of common/ stays in common/ or config/', () => {
    const outside: string[] = [];
    for (const file of files(__dirname)) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = relative(src, resolve(dirname(file), specifier));
        if (!/^(common|config)([/\\]|$)/.test(target)) outside.push(`${relative(src, file)} → ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
