import { ARRAYS_FROM, columnArraysStatement, fromSqlDate, insertMany, TypedColumn } from '../../src/database/sql';
import { startTestApp, TestApp } from '../helpers/test-app';

const COLUMNS: TypedColumn[] = [
  ['id', 'varchar'],
  ['at', 'timestamp'],
  ['n', 'integer'],
  ['flag', 'boolean'],
  ['body', 'text'],
  ['note', 'varchar'],
];

/** Text that an array literal or JSON must escape, and look-alikes of what they use for NULL. */
const AWKWARD = [
  'say "hi"',
  'back\\slash',
  '{a,b}',
  'comma, and (paren)',
  'Zoë 🚀 ✓',
  '',
  'NULL',
  'null',
  'tab\tnew\nline',
];

/**
 * insertMany writes every value as given, on both engines: on PostgreSQL from ARRAYS_FROM rows on it
 * sends one JSON array per column (columnArraysStatement), below that and on SQLite a VALUES list.
 */
describe('insertMany', () => {
  let t: TestApp;
  const at = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123));

  beforeAll(async () => {
    t = await startTestApp();
    await t.dataSource.query(
      'CREATE TABLE insert_many_probe (id varchar(36) PRIMARY KEY, at timestamp NOT NULL, n integer NOT NULL, ' +
        'flag boolean NOT NULL, body text NOT NULL, note varchar(64))',
    );
  });
  afterAll(async () => {
    await t.dataSource.query('DROP TABLE insert_many_probe');
    await t.close();
  });

  const row = (id: string, i: number) => [
    id,
    new Date(at.getTime() + i * 1000),
    i - 5,
    i % 2 === 0,
    AWKWARD[i % AWKWARD.length],
    i % 3 === 0 ? null : AWKWARD[(i + 4) % AWKWARD.length],
  ];

  async function stored(prefix: string) {
    const rows = await t.dataSource.query<Record<string, unknown>[]>(
      `SELECT id, at, n, flag, body, note FROM insert_many_probe WHERE id LIKE '${prefix}%' ORDER BY id`,
    );
    return rows.map((r) => [r.id, fromSqlDate(r.at as string | Date), Number(r.n), Boolean(r.flag), r.body, r.note]);
  }

  it.each([
    ['as arrays (PostgreSQL) from ARRAYS_FROM rows', ARRAYS_FROM + 3],
    ['as a VALUES list below that', ARRAYS_FROM - 1],
  ])('writes text, nulls, dates, numbers and booleans %s', async (_way, count) => {
    const prefix = `r${count}-`;
    const rows = Array.from({ length: count }, (_, i) => row(`${prefix}${String(i).padStart(2, '0')}`, i));
    await t.dataSource.transaction((manager) => insertMany(manager, 'insert_many_probe', COLUMNS, rows));
    expect(await stored(prefix)).toEqual(rows);
  });

  it('applies the tail (ON CONFLICT) to the rows it writes', async () => {
    const rows = Array.from({ length: ARRAYS_FROM + 1 }, (_, i) => row(`c-${String(i).padStart(2, '0')}`, i));
    await t.dataSource.transaction((manager) => insertMany(manager, 'insert_many_probe', COLUMNS, rows));
    const changed = rows.map((r) => [r[0], r[1], 99, r[3], 'changed', r[5]]);
    await t.dataSource.transaction((manager) =>
      insertMany(
        manager,
        'insert_many_probe',
        COLUMNS,
        changed,
        ' ON CONFLICT (id) DO UPDATE SET n = excluded.n, body = excluded.body',
      ),
    );
    expect(await stored('c-')).toEqual(changed);
  });

  it('sends one JSON array of text per column, whatever the row count', () => {
    const statement = columnArraysStatement('insert_many_probe', COLUMNS, [row('x', 2), row('y', 3)]);
    expect(statement.text).toBe(
      'INSERT INTO insert_many_probe (id, at, n, flag, body, note) SELECT c1::varchar, c2::timestamp, c3::integer, ' +
        'c4::boolean, c5::text, c6::varchar FROM ROWS FROM (json_array_elements_text($1::json), ' +
        'json_array_elements_text($2::json), json_array_elements_text($3::json), json_array_elements_text($4::json), ' +
        'json_array_elements_text($5::json), json_array_elements_text($6::json)) AS r(c1, c2, c3, c4, c5, c6)',
    );
    expect(statement.values.map((v) => JSON.parse(v))).toEqual([
      ['x', 'y'],
      [expect.any(String), expect.any(String)],
      ['-3', '-2'],
      ['true', 'false'],
      ['{a,b}', 'comma, and (paren)'],
      ['NULL', null],
    ]);
    expect(() => columnArraysStatement('t', [['b', 'bytea']], [[Buffer.from('x')]])).toThrow(
      'insertMany: a value of column 1 has no text form',
    );
  });
});
