import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentitySettingsEntity } from '../../src/identity/identity.entity';
import { ensureBuilt, runCli } from '../helpers/cli';
import { freshDatabase, isPostgres, startTestApp, TestApp } from '../helpers/test-app';

/** The generated file: a header, then ROWS rows, one of them bad (the row on line BAD_LINE). */
const ROWS = 100_000;
const BAD_LINE = 50_002;
const TIERS = ['Gold', 'Silver', 'Bronze'];
const person = (i: number) => ({
  email: `person${i}@example.com`,
  name: `Person ${i}`,
  age: 18 + (i % 60),
  tier: TIERS[i % 3],
});

function generate(file: string): void {
  const lines = ['email,name,age,tier'];
  for (let i = 0; i < ROWS; i++) {
    if (i + 2 === BAD_LINE) lines.push('not-an-email,"Bad, Row",abc,Gold');
    else {
      const p = person(i);
      lines.push(`${p.email},${p.name},${p.age},${p.tier}`);
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function count(t: TestApp, table: string): Promise<number> {
  const [row] = await t.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row.n);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// every command is a child process booting the application: seconds each on a busy machine
jest.setTimeout(300_000);

describe('identities:import and identities:export', () => {
  let dir: string;
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ih-import-'));
    db = await freshDatabase();
    t = await startTestApp({ databaseUrl: db.url });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`imports ${ROWS.toLocaleString('en-US')} rows with a bad one: dry run, an interruption, --resume, then an export that matches`, async () => {
    const file = join(dir, 'people.csv');
    const errors = join(dir, 'errors.csv');
    const checkpoint = `${file}.checkpoint`;
    generate(file);
    const cli = (args: string[], started?: Parameters<typeof runCli>[1]['started']) =>
      runCli(args, { databaseUrl: db.url, started });
    const expectedErrors =
      'line,field,message\n' +
      `${BAD_LINE},email,not a valid email address\n` +
      `${BAD_LINE},age,must be a whole number from 0 to 200\n`;

    // a dry run checks every row and writes nothing (but the errors file)
    const dry = await cli(['identities:import', file, '--errors', errors, '--dry-run']);
    expect(dry.stderr).toMatch(/^(progress: .*\n)*$/);
    expect(dry.code).toBe(3);
    expect(dry.stdout.split('\n').slice(1)).toEqual([
      'would import 99,999: 99,999 new profiles, 0 updated',
      `refused 1 row (line, field and message in ${errors})`,
      'dry run: nothing was written',
      '',
    ]);
    expect(dry.stdout).toMatch(
      /^read 100,000 rows of people\.csv \(CSV\) in [\d.]+ s: [\d,]+ rows\/s, peak memory \d+ MB\n/,
    );
    expect(readFileSync(errors, 'utf8')).toBe(expectedErrors);
    expect(await count(t, 'identity_profiles')).toBe(0);
    expect(existsSync(checkpoint)).toBe(false);

    // an import killed (SIGKILL) after it has committed 20,000 rows or more
    const killed = await cli(['identities:import', file, '--errors', errors], (child) => {
      void (async () => {
        for (;;) {
          await sleep(50);
          if (child.exitCode !== null) return;
          try {
            if (JSON.parse(readFileSync(checkpoint, 'utf8')).line >= 20_001) break;
          } catch {
            // not written yet, or being renamed over
          }
        }
        child.kill('SIGKILL');
      })();
    });
    expect(killed.signal).toBe('SIGKILL');
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    const committed = await count(t, 'identity_profiles');
    // every chunk the checkpoint names is in; at most the one after it too (killed between its commit and checkpoint)
    expect(committed).toBeGreaterThanOrEqual(saved.counts.imported);
    expect(committed).toBeLessThanOrEqual(saved.counts.imported + 1000);
    expect(committed).toBeLessThan(99_999);

    // starting over by mistake is refused; --resume continues after the checkpoint's line
    const again = await cli(['identities:import', file, '--errors', errors]);
    expect([again.code, again.stderr]).toEqual([
      1,
      `error: an interrupted import of this file left ${checkpoint} (committed up to line ${saved.line.toLocaleString('en-US')}): ` +
        'add --resume to continue it, or delete that file to start over\n',
    ]);
    const resumed = await cli(['identities:import', file, '--errors', errors, '--resume']);
    expect(resumed.code).toBe(3);
    // standard error is not a terminal: a progress line every 5 seconds, nothing else
    expect(resumed.stderr).toMatch(
      /^(progress: up to line [\d,]+: [\d,]+ rows, [\d,]+ imported, [01] refused, \d+% of the file, [\d,]+\/s\n)*$/,
    );
    const out = resumed.stdout.split('\n');
    expect(out[0]).toBe(
      `resumed after line ${saved.line.toLocaleString('en-US')} (the interrupted run had committed up to it)`,
    );
    expect(out[1]).toMatch(/^read [\d,]+ rows of people\.csv \(CSV\) in [\d.]+ s: [\d,]+ rows\/s, peak memory \d+ MB$/);
    expect(out[2]).toMatch(/^imported 99,999 \(with the interrupted run\): [\d,]+ new profiles, [\d,]+ updated$/);
    expect(out[3]).toBe(`refused 1 row (line, field and message in ${errors})`);
    expect(out.includes('statistics refreshed (ANALYZE)')).toBe(isPostgres());
    expect(existsSync(checkpoint)).toBe(false);
    expect(readFileSync(errors, 'utf8')).toBe(expectedErrors); // the bad row once, whenever the kill came
    expect(await count(t, 'identity_profiles')).toBe(99_999);
    expect(await count(t, 'identity_identifiers')).toBe(99_999);
    expect(await count(t, 'identity_attributes')).toBe(3 * 99_999);

    // the export has every profile as written, in the shape the import reads
    const exported = join(dir, 'people.jsonl');
    const exportRun = await cli(['identities:export', exported]);
    expect(exportRun.code).toBe(0);
    expect(exportRun.stderr).toMatch(/^(progress: [\d,]+ of 99,999 profiles, [\d,]+\/s\n)*$/);
    expect(exportRun.stdout).toMatch(/^exported 99,999 profiles to .*people\.jsonl in [\d.]+ s\n$/);
    const lines = readFileSync(exported, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(99_999);
    const byEmail = new Map<string, any>();
    for (const line of lines) {
      const profile = JSON.parse(line);
      byEmail.set(profile.identifiers.email, profile);
    }
    for (let i = 0; i < ROWS; i++) {
      if (i + 2 === BAD_LINE) continue;
      const p = person(i);
      const profile = byEmail.get(p.email);
      expect(profile).toEqual({
        iid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        identifiers: { email: p.email },
        attributes: { name: p.name, age: p.age, custom: { tier: p.tier } },
      });
    }
  }, 300_000);

  it('reads JSON Lines (flat rows and /upsert users) and CSV quirks, and an export imports back the same', async () => {
    // a custom identifier enabled in the identity settings
    await t.dataSource
      .getRepository(IdentitySettingsEntity)
      .save({ id: 1, enabledIdentifiers: ['email', 'uuid'], customIdentifiers: ['loyalty_id'], blockedValues: [] });
    const csv = join(dir, 'quirks.csv');
    writeFileSync(
      csv,
      '\uFEFFemail,loyalty_id,phone_number,email_optin,list_id,note\r\n' +
        'Quirk1@Example.com,L-1,+358 40 123 4567,1,1;2,"a note, with ""quotes""\nand a line break"\r\n' +
        'quirk2@example.com,,,false,,\r\n' +
        'quirk3@example.com,L-3,,yes,,\r\n',
    );
    const jsonl = join(dir, 'mixed.jsonl');
    writeFileSync(
      jsonl,
      [
        '{"email":"flat@example.com","age":41,"vip":true,"tags":["a","b"]}',
        '{"identifiers":{"email":"shaped@example.com","custom":{"loyalty_id":"L-9"}},"attributes":{"gender":"f","custom":{"score":7}}}',
        '{"identifiers":{"email":"broken@example.com"},"attributes":{"age":"old"}}',
        '{"email":',
        '',
      ].join('\n'),
    );
    const cli = (args: string[], url = db.url) => runCli(args, { databaseUrl: url });
    const fromCsv = await cli(['identities:import', csv]);
    expect(fromCsv.code).toBe(3);
    expect(fromCsv.stdout.split('\n').slice(1, 5)).toEqual([
      'imported 2: 2 new profiles, 0 updated',
      'refused 1 row:',
      '  line 5 email_optin: must be true or false',
      ...(isPostgres() ? ['statistics refreshed (ANALYZE)'] : ['']),
    ]);
    const fromJsonl = await cli(['identities:import', jsonl]);
    expect(fromJsonl.code).toBe(3);
    expect(fromJsonl.stdout.split('\n').slice(0, 5)).toEqual([
      expect.stringMatching(/^read 4 rows of mixed\.jsonl \(JSON Lines\)/),
      'imported 2: 2 new profiles, 0 updated',
      'refused 2 rows:',
      '  line 3 attributes.age: must be a whole number from 0 to 200',
      expect.stringMatching(/^ {2}line 4: not valid JSON: /),
    ]);

    const exported = join(dir, 'all.jsonl');
    expect((await cli(['identities:export', exported])).code).toBe(0);
    const profiles = readFileSync(exported, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((p) => /^(quirk|flat|shaped)/.test(p.identifiers.email ?? ''));
    const byEmail = Object.fromEntries(profiles.map((p) => [p.identifiers.email, p]));
    expect(byEmail['quirk1@example.com']).toMatchObject({
      identifiers: { email: 'quirk1@example.com', custom: { loyalty_id: 'L-1' } },
      attributes: {
        phone_number: '+358401234567',
        email_optin: true,
        list_id: [1, 2],
        custom: { note: 'a note, with "quotes"\nand a line break' },
      },
    });
    expect(byEmail['quirk2@example.com'].attributes).toEqual({ email_optin: false });
    expect(byEmail['flat@example.com'].attributes).toEqual({ age: 41, custom: { vip: true, tags: ['a', 'b'] } });
    expect(byEmail['shaped@example.com']).toMatchObject({
      identifiers: { email: 'shaped@example.com', custom: { loyalty_id: 'L-9' } },
      attributes: { gender: 'f', custom: { score: 7 } },
    });

    // into an empty database with the same settings, and out again: the same profiles (new iids)
    const other = await freshDatabase();
    const second = await startTestApp({ databaseUrl: other.url });
    try {
      await second.dataSource
        .getRepository(IdentitySettingsEntity)
        .save({ id: 1, enabledIdentifiers: ['email', 'uuid'], customIdentifiers: ['loyalty_id'], blockedValues: [] });
      const subset = join(dir, 'subset.jsonl');
      writeFileSync(subset, `${profiles.map((p) => JSON.stringify(p)).join('\n')}\n`);
      const back = await cli(['identities:import', subset], other.url);
      expect(back.stdout.split('\n')[1]).toBe('imported 4: 4 new profiles, 0 updated');
      const again = join(dir, 'again.jsonl');
      expect((await cli(['identities:export', again], other.url)).code).toBe(0);
      const withoutIid = (p: any) => ({ ...p, iid: undefined });
      const sorted = (list: any[]) =>
        list.map(withoutIid).sort((a, b) => a.identifiers.email.localeCompare(b.identifiers.email));
      const reread = readFileSync(again, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(sorted(reread)).toEqual(sorted(profiles));
    } finally {
      await second.close();
      await other.drop();
    }
  }, 180_000);
});
