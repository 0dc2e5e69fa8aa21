import { isUniqueViolation } from '../../src/common/app-error';
import { overlapped, Statement } from '../../src/database/sql';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * overlapped: the statements of a transaction in their order, each built while the one before runs
 * (PostgreSQL), one after the other elsewhere; the first failure is the one thrown.
 */
describe('overlapped', () => {
  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    t = await startTestApp();
    await t.dataSource.query('CREATE TABLE overlapped_probe (n integer PRIMARY KEY, step varchar(8) NOT NULL)');
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t.dataSource.query('DROP TABLE overlapped_probe');
    await t.close();
  });

  const insert = (n: number, step: string): Statement => ({
    text: 'INSERT INTO overlapped_probe (n, step) VALUES ($1, $2)',
    values: [n, step],
  });

  it('runs the statements in their order, each builder after the statements before it are sent, then meanwhile', async () => {
    const order: string[] = [];
    await t.dataSource.transaction((manager) =>
      overlapped(
        manager,
        [1, 2, 3].map((n) => () => {
          order.push(`built ${n}`);
          // a builder of two statements: its second follows its first
          return [insert(n, `s${n}`), insert(n + 10, `s${n}b`)];
        }),
        () => order.push('meanwhile'),
      ),
    );
    expect(order).toEqual(['built 1', 'built 2', 'built 3', 'meanwhile']);
    const rows = await t.dataSource.query<{ n: number; step: string }[]>(
      'SELECT n, step FROM overlapped_probe ORDER BY n',
    );
    expect(rows.map((r) => [Number(r.n), r.step])).toEqual([
      [1, 's1'],
      [2, 's2'],
      [3, 's3'],
      [11, 's1b'],
      [12, 's2b'],
      [13, 's3b'],
    ]);
  });

  it('stops at a failure and throws it (not an aborted statement after it); the transaction writes nothing', async () => {
    const built: number[] = [];
    let meanwhile = 0;
    const error = await t.dataSource
      .transaction((manager) =>
        overlapped(
          manager,
          [
            () => (built.push(1), [insert(21, 'ok')]),
            () => (built.push(2), [insert(1, 'dup')]),
            () => (built.push(3), [insert(22, 'after')]),
          ],
          () => meanwhile++,
        ),
      )
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    // PostgreSQL built the third while the second ran; the third was never sent, and nothing ran meanwhile
    expect(built).toEqual(t.dataSource.options.type === 'postgres' ? [1, 2, 3] : [1, 2]);
    expect(meanwhile).toBe(0);
    const rows = await t.dataSource.query('SELECT n FROM overlapped_probe WHERE n > 20');
    expect(rows).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
