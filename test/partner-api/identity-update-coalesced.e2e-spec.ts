import { isUniqueViolation } from '../../src/common/app-error';
import { IdentifierChange, IdentifierChanges } from '../../src/identity/partner-api/identifier-changes';
import { suppressionHash } from '../../src/identity/privacy-store';
import { ProfileStore } from '../../src/identity/profile-store';
import { partnerCalls, PartnerApp, startPartnerApp } from '../helpers/partner';

const postgres = (process.env.DATABASE_URL ?? '').startsWith('postgres');
const ONE = 'UPDATE identity_identifiers SET value = $1 WHERE type = $2';
const MANY = 'UPDATE identity_identifiers i SET value = c.value FROM unnest(';

/**
 * PATCH /identity's changes that arrive while the pool's PATCH statements run go together in one
 * statement (IdentifierChanges, PostgreSQL only), and each still gets the answer it would get alone.
 * Called directly, so which change shares a statement is certain: the default pool of 20 runs 4
 * statements at once, and the changes made in one tick after those wait for the first to end.
 */
(postgres ? describe : describe.skip)('PATCH /identity: concurrent changes share a statement (PostgreSQL)', () => {
  let p: PartnerApp;
  let changes: IdentifierChanges;
  const { upsert } = partnerCalls(() => p);

  beforeAll(async () => {
    p = await startPartnerApp();
    changes = p.t.app.get(IdentifierChanges);
  });
  afterAll(() => p.t.close());

  const change = (from: string, to: string): IdentifierChange => ({
    type: 'uuid',
    from,
    to,
    toHash: suppressionHash({ type: 'uuid', value: to }),
  });

  async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const statements: string[] = [];
    const logger = p.t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (q, parameters, runner) => {
      if (q.startsWith('UPDATE identity_identifiers')) statements.push(q);
      return original(q, parameters, runner);
    };
    try {
      return { result: await work(), statements };
    } finally {
      logger.logQuery = original;
    }
  }

  async function seed(prefix: string, n: number): Promise<Map<string, string>> {
    const users = Array.from({ length: n }, (_, i) => ({ identifiers: { uuid: `${prefix}-${i}` } }));
    expect((await upsert(users)).body.data).toEqual({ successful: { count: n }, fail: {} });
    const rows: { value: string; profile_id: string }[] = await p.t.dataSource.query(
      "SELECT value, profile_id FROM identity_identifiers WHERE type = 'uuid' AND value LIKE $1",
      [`${prefix}-%`],
    );
    return new Map(rows.map((r) => [r.value, r.profile_id]));
  }

  async function uuidsOf(profileIds: string[]): Promise<string[]> {
    const rows: { value: string }[] = await p.t.dataSource.query(
      "SELECT value FROM identity_identifiers WHERE type = 'uuid' AND profile_id = ANY($1) ORDER BY value",
      [profileIds],
    );
    return rows.map((r) => r.value);
  }

  it('twelve changes at once: four statements of one, then one statement of the other eight', async () => {
    const owners = await seed('co', 12);
    const { result, statements } = await statementsOf(() =>
      Promise.all(Array.from({ length: 12 }, (_, i) => changes.change(change(`co-${i}`, `co-${i}-new`)))),
    );
    expect(result).toEqual(Array.from({ length: 12 }, (_, i) => owners.get(`co-${i}`)));
    expect(statements.map((s) => (s.startsWith(MANY) ? 'many' : s.startsWith(ONE) ? 'one' : s))).toEqual([
      'one',
      'one',
      'one',
      'one',
      'many',
    ]);
    expect(await uuidsOf([...owners.values()])).toEqual(Array.from({ length: 12 }, (_, i) => `co-${i}-new`).sort());
  });

  it('each change of a shared statement gets its own answer: unknown, suppressed, taken, twice the same old value', async () => {
    const owners = await seed('mix', 8);
    await p.t.dataSource.query('INSERT INTO identity_suppressions (hash, created_at) VALUES ($1, now())', [
      suppressionHash({ type: 'uuid', value: 'mix-suppressed' }),
    ]);
    const { result, statements } = await statementsOf(() =>
      Promise.allSettled([
        // these four take the free statements; the rest wait and go together
        ...[0, 1, 2, 3].map((i) => changes.change(change(`mix-${i}`, `mix-${i}-new`))),
        changes.change(change('mix-4', 'mix-4-new')),
        changes.change(change('nobody', 'nobody-new')),
        changes.change(change('mix-5', 'mix-suppressed')),
        changes.change(change('mix-6', 'mix-7')), // mix-7 is another profile's
        changes.change(change('mix-4', 'mix-4-again')), // mix-4 again: waits for the next statement
      ]),
    );
    const answers = result.map((r) => (r.status === 'fulfilled' ? r.value : isUniqueViolation(r.reason) ? 'taken' : r));
    expect(answers).toEqual([
      owners.get('mix-0'),
      owners.get('mix-1'),
      owners.get('mix-2'),
      owners.get('mix-3'),
      owners.get('mix-4'),
      null,
      null,
      'taken',
      null, // run after mix-4 became mix-4-new: nobody has mix-4 any more
    ]);
    // the shared statement failed on the taken value, so nothing of it happened and each of its
    // changes ran again alone; the second change of mix-4 waited for a statement of its own
    const kinds = statements.map((s) => (s.startsWith(MANY) ? 'many' : 'one'));
    expect(kinds.slice(0, 5)).toEqual(['one', 'one', 'one', 'one', 'many']);
    expect(kinds.filter((k) => k === 'many')).toHaveLength(1);
    expect(kinds).toHaveLength(4 + 1 + 4 + 1);
    expect(await uuidsOf([...owners.values()])).toEqual(
      ['mix-0-new', 'mix-1-new', 'mix-2-new', 'mix-3-new', 'mix-4-new', 'mix-5', 'mix-6', 'mix-7'].sort(),
    );
  });
  it.each([
    ['a deadlock PostgreSQL answered (40P01)', Object.assign(new Error('deadlock detected'), { code: '40P01' }), true],
    ['no connection in time (no SQLSTATE)', new Error('timeout exceeded when trying to connect'), false],
  ])('a shared statement failing with %s: each change alone, or each gets the error', async (_, error, alone) => {
    const owners = await seed(alone ? 'dl' : 'pt', 6);
    const prefix = alone ? 'dl' : 'pt';
    const store = p.t.app.get(ProfileStore);
    const shared = jest.spyOn(store, 'changeIdentifierValues').mockRejectedValueOnce(error);
    try {
      const { result, statements } = await statementsOf(() =>
        Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => changes.change(change(`${prefix}-${i}`, `${prefix}-${i}-new`))),
        ),
      );
      expect(shared).toHaveBeenCalledTimes(1);
      expect(shared.mock.calls[0][1].map((c) => c.from)).toEqual([`${prefix}-4`, `${prefix}-5`]);
      // the four that ran alone are unaffected; the two that shared the failed statement:
      const answers = result.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message));
      expect(answers).toEqual([
        ...[0, 1, 2, 3].map((i) => owners.get(`${prefix}-${i}`)),
        ...(alone ? [owners.get(`${prefix}-4`), owners.get(`${prefix}-5`)] : [error.message, error.message]),
      ]);
      expect(statements.filter((s) => s.startsWith(ONE))).toHaveLength(alone ? 6 : 4);
      expect(await uuidsOf([...owners.values()])).toEqual(
        [0, 1, 2, 3, 4, 5].map((i) => (alone || i < 4 ? `${prefix}-${i}-new` : `${prefix}-${i}`)).sort(),
      );
    } finally {
      shared.mockRestore();
    }
  });
  it('changes of one old value run one after the other, in the order they came', async () => {
    const owners = await seed('seq', 5);
    const { result, statements } = await statementsOf(() =>
      Promise.all([
        ...[0, 1, 2, 3].map((i) => changes.change(change(`seq-${i}`, `seq-${i}-new`))),
        changes.change(change('seq-4', 'seq-4-first')),
        changes.change(change('seq-4', 'seq-4-second')),
      ]),
    );
    // seq-4's second change waits for its first (no shared statement), then finds nobody
    expect(result).toEqual([...[0, 1, 2, 3].map((i) => owners.get(`seq-${i}`)), owners.get('seq-4'), null]);
    expect(statements.map((s) => (s.startsWith(MANY) ? 'many' : 'one'))).toEqual(Array(6).fill('one'));
    expect(await uuidsOf([owners.get('seq-4')!])).toEqual(['seq-4-first']);
  });
});
