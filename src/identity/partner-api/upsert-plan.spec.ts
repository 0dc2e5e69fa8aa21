import { AppError } from '../../common/app-error';
import { identifierKey, pairKey } from '../identity-codec';
import { DEFAULT_SETTINGS } from '../identity-settings.service';
import { Json, Problems } from './partner-input';
import {
  appendReads,
  attributeRows,
  batchResult,
  batchRows,
  groupBatch,
  identifiersToAdd,
  planAttributeDelete,
  planUpsert,
  partialDeleteRows,
  readyUsers,
  requestNotAppend,
  requireUsers,
  targetOf,
  UpsertPlan,
  UserFailure,
  userProblems,
} from './upsert-plan';

const settings = DEFAULT_SETTINGS;
const plan = (user: Json, i = 0, mode?: boolean) => planUpsert(user, i, settings, mode);
const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return userProblems(e, 0).byPath;
  }
  throw new Error('nothing was thrown');
};
const email = (value: string) => ({ type: 'email', value });

describe('upsert-plan', () => {
  describe('a batch body', () => {
    it('takes 1 to 1,000 users', () => {
      expect(requireUsers({ users: [{}] })).toEqual([{}]);
      const messages = [{}, { users: 'x' }, { users: [] }, { users: Array.from({ length: 1001 }, () => ({})) }].map(
        (body) => {
          try {
            requireUsers(body as never);
          } catch (e) {
            return (e as AppError).message;
          }
        },
      );
      expect(messages).toEqual([
        'users must be defined',
        'users must be an array of users',
        'users must not be empty',
        'a request can carry at most 1,000 users, not 1,001',
      ]);
    });

    it('takes append over not_append, and refuses values that are not booleans', () => {
      expect(requestNotAppend({})).toBeUndefined();
      expect(requestNotAppend({ not_append: true })).toBe(true);
      expect(requestNotAppend({ not_append: true, append: true })).toBe(false);
      expect(() => requestNotAppend({ append: 'yes' })).toThrow('append and not_append must be true or false');
    });
  });

  describe('planUpsert', () => {
    it('validates one user whole into identifiers, writes, events and its append mode', () => {
      const p = plan(
        {
          identifiers: { email: 'Jane@Example.com', uuid: 'j1' },
          attributes: { list_id: [1], custom: { vip: true } },
          events: [{ event_name: 'login', timestamp: '2024-01-01T00:00:00Z' }],
          not_append: true,
        },
        3,
      );
      expect(p).toEqual({
        index: 3,
        path: 'users.3',
        insiderId: undefined,
        identifiers: [
          { type: 'email', name: 'email', custom: false, value: 'jane@example.com' },
          { type: 'uuid', name: 'uuid', custom: false, value: 'j1' },
        ],
        writes: [
          { key: 'list_id', value: [1], array: true },
          { key: 'c_vip', value: true, array: false },
        ],
        events: [{ name: 'login', timestamp: new Date('2024-01-01T00:00:00Z'), params: {} }],
        notAppend: true,
      });
      expect(plan({ identifiers: { uuid: 'j1' } }, 0, true).notAppend).toBe(true);
      expect(plan({ identifiers: { uuid: 'j1' }, append: true }, 0, true).notAppend).toBe(false);
      expect(plan({ insider_id: 'iid-1' }).insiderId).toBe('iid-1');
    });

    it('reports every problem of a user by path, naming the identifier when there are several', () => {
      expect(
        problemsOf(() =>
          plan({
            identifiers: { email: 'bad', phone_number: '12' },
            attributes: { age: -1 },
            events: 'x',
            append: 1,
          }),
        ),
      ).toEqual({
        'users.0.identifiers': [
          'email: not a valid email address',
          'phone_number: not a valid phone number: use E.164 (e.g. +6598765432)',
        ],
        'users.0.attributes.age': ['must be a whole number from 0 to 200'],
        'users.0.events': ['events must be an array'],
        'users.0': ['append and not_append must be true or false'],
      });
    });

    it.each([
      ['x', { 'users.0': ['a user must be an object'] }],
      [{}, { 'users.0.identifiers': ['either insider_id or identifiers must be specified'] }],
      [{ identifiers: {} }, { 'users.0.identifiers': ['no valid identifier'] }],
      [{ identifiers: 'x' }, { 'users.0.identifiers': ['identifiers must be an object'] }],
      [{ identifiers: { custom: 'x' } }, { 'users.0.identifiers': ['identifiers.custom must be an object'] }],
      [{ insider_id: 5 }, { 'users.0.insider_id': ['insider_id must be a string (the iid /profile answers)'] }],
      [
        { identifiers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
        { 'users.0.identifiers': ['at most 20 identifiers per user'] },
      ],
    ])('refuses %j', (user, problems) => {
      expect(problemsOf(() => plan(user as Json))).toEqual(problems);
    });

    it('stores contact attributes beside the identifiers, and refuses one that disagrees with its identifier', () => {
      const ok = plan({
        identifiers: { uuid: 'u', email: 'Jane@Example.com' },
        attributes: { email: 'jane@example.com', phone_number: '+65 9876 5432' },
      });
      expect(ok.writes).toEqual([
        { key: 'email', value: 'jane@example.com', array: false },
        { key: 'phone_number', value: '+6598765432', array: false },
      ]);
      expect(
        problemsOf(() =>
          plan({ identifiers: { email: 'jane@example.com' }, attributes: { email: 'other@example.com' } }),
        ),
      ).toEqual({
        'users.0.attributes.email': [
          'must equal identifiers.email when both are sent (change an identifier with PATCH /api/user/v1/identity)',
        ],
      });
    });

    it('refuses fields a user does not have, rather than dropping them', () => {
      expect(problemsOf(() => plan({ identifiers: { uuid: 'u' }, custom: { a: 1 } }))).toEqual({
        'users.0.custom': [
          'unknown field "custom": a user has identifiers, insider_id, attributes, events, append, not_append',
        ],
      });
      expect(
        problemsOf(() => planAttributeDelete({ identifiers: { uuid: 'u' }, whole: ['name'], all: true }, 0, settings)),
      ).toEqual({
        'users.0.all': ['unknown field "all": a user has identifiers, insider_id, whole, partial, custom'],
      });
    });

    it('planAttributeDelete validates who and what', () => {
      expect(planAttributeDelete({ identifiers: { uuid: 'u' }, whole: ['name'] }, 1, settings)).toMatchObject({
        index: 1,
        path: 'users.1',
        deletes: { whole: ['name'], partial: [] },
      });
      expect(problemsOf(() => planAttributeDelete({ identifiers: { uuid: 'u' } }, 0, settings))).toEqual({
        'users.0': ['nothing to delete: give whole, partial or custom'],
      });
    });
  });

  describe('which profile a user is', () => {
    const user = plan({ identifiers: { email: 'a@x.com', uuid: 'u1' } });
    it('is the one profile its identifiers or insider_id point at, or none', () => {
      expect(targetOf(user, new Map(), new Set())).toBeNull();
      expect(targetOf(user, new Map([[identifierKey(email('a@x.com')), 'p1']]), new Set())).toBe('p1');
      const byIid = plan({ insider_id: 'p2', identifiers: { uuid: 'u1' } });
      expect(targetOf(byIid, new Map(), new Set(['p2']))).toBe('p2');
    });

    it('fails a user whose insider_id names no profile, or whose identifiers are two profiles', () => {
      const byIid = plan({ insider_id: 'p2' });
      expect(problemsOf(() => targetOf(byIid, new Map(), new Set()))).toEqual({
        'users.0.insider_id': ['no such user for this insider_id'],
      });
      const owners = new Map([
        [identifierKey(email('a@x.com')), 'p1'],
        [identifierKey({ type: 'uuid', value: 'u1' }), 'p2'],
      ]);
      expect(problemsOf(() => targetOf(user, owners, new Set()))).toEqual({
        'users.0.identifiers': [
          'the identifiers belong to different users; the identity setting mergeOnUpsert merges them',
        ],
      });
    });

    it('adds only the types a profile lacks, and fails a type it holds with another value', () => {
      expect(identifiersToAdd(user.identifiers, new Map([['email', 'a@x.com']]), 'users.0')).toEqual([
        user.identifiers[1],
      ]);
      expect(problemsOf(() => identifiersToAdd(user.identifiers, new Map([['uuid', 'other']]), 'users.0'))).toEqual({
        'users.0.identifiers': ['the user already has a different uuid; change it with PATCH /api/user/v1/identity'],
      });
    });
  });

  describe('grouping a batch', () => {
    const users = [
      plan({ identifiers: { email: 'new@x.com' } }, 0),
      plan({ identifiers: { email: 'old@x.com' }, attributes: { list_id: [2] } }, 1),
      plan({ identifiers: { email: 'shared@x.com' } }, 2),
      plan({ identifiers: { email: 'shared@x.com', uuid: 's' } }, 3),
      plan({ insider_id: 'gone' }, 4),
      plan({ identifiers: { email: 'old2@x.com', uuid: 'taken' } }, 5),
      plan({ identifiers: { email: 'old3@x.com', uuid: 'fresh' } }, 6),
    ];
    const owners = new Map([
      [identifierKey(email('old@x.com')), 'p-old'],
      [identifierKey(email('old2@x.com')), 'p-old2'],
      [identifierKey(email('old3@x.com')), 'p-old3'],
      [identifierKey({ type: 'uuid', value: 'taken' }), 'p-old'],
    ]);

    it('writes standalone users together, users sharing an identifier or a profile one by one, in order', () => {
      const failures = new Map<number, Problems>();
      const groups = groupBatch(users, owners, new Set(), failures);
      expect(groups.together.map((p) => p.index)).toEqual([0, 1, 6]);
      expect(groups.oneByOne.map((p) => p.index)).toEqual([2, 3]);
      expect([...failures.keys()]).toEqual([4, 5]);
      expect(failures.get(5)!.byPath).toEqual({
        'users.5.identifiers': [
          'the identifiers belong to different users; the identity setting mergeOnUpsert merges them',
        ],
      });
      expect(groups.targets.get(users[1])).toBe('p-old');
      expect(groups.targets.get(users[0])).toBeNull();
    });

    it('reads held identifiers only for users that bring new ones, and builds every row', () => {
      const failures = new Map<number, Problems>();
      const groups = groupBatch(users, owners, new Set(), failures);
      // user 6 brings uuid "fresh" to p-old3, which already has another uuid
      const held = new Map([['p-old3', new Map([['uuid', 'stale']])]]);
      const ready = readyUsers(groups, owners, held, failures);
      expect(ready.map((r) => [r.plan.index, r.profileId, r.missing.map((i) => i.value)])).toEqual([
        [0, null, ['new@x.com']],
        [1, 'p-old', []],
      ]);
      expect(failures.get(6)!.byPath).toEqual({
        'users.6.identifiers': ['the user already has a different uuid; change it with PATCH /api/user/v1/identity'],
      });
      expect(appendReads(ready)).toEqual({ profileIds: ['p-old'], keys: ['list_id'] });
      const rows = batchRows(ready, new Map([[pairKey('p-old', 'list_id'), [1, 2]]]));
      expect(rows.profiles).toHaveLength(1);
      expect(rows.identifiers).toEqual([{ profileId: rows.profiles[0], type: 'email', value: 'new@x.com' }]);
      expect(rows.attributes).toEqual([{ profileId: 'p-old', key: 'list_id', value: [1, 2] }]);
      expect(rows.events).toEqual([]);
    });
  });

  it('appends arrays to what is stored unless not_append, and removes items on partial deletes', () => {
    const appending: UpsertPlan = plan({ identifiers: { uuid: 'u' }, attributes: { list_id: [3, 1], age: 5 } });
    const stored = new Map<string, unknown>([[pairKey('p', 'list_id'), [1, 2]]]);
    expect(attributeRows(appending, 'p', stored)).toEqual([
      { profileId: 'p', key: 'list_id', value: [1, 2, 3] },
      { profileId: 'p', key: 'age', value: 5 },
    ]);
    expect(attributeRows({ ...appending, notAppend: true }, 'p', stored)[0].value).toEqual([3, 1]);
    expect(
      partialDeleteRows(
        [
          ['list_id', [2]],
          ['missing', [1]],
        ],
        'p',
        stored,
      ),
    ).toEqual([{ profileId: 'p', key: 'list_id', value: [1] }]);
  });

  it('answers a batch in Insider shape, failures by path in user order', () => {
    expect(batchResult(3, new Map())).toEqual({ data: { successful: { count: 3 }, fail: {} } });
    const failures = new Map<number, Problems>([
      [2, UserFailure.at('users.2.identifiers', 'b').problems],
      [0, UserFailure.at('users.0', 'a').problems],
    ]);
    const result = batchResult(3, failures);
    expect(result).toEqual({
      data: {
        successful: { count: 1 },
        fail: { count: 2, errors: { 'users.0': ['a'], 'users.2.identifiers': ['b'] } },
      },
    });
    expect(Object.keys(result.data.fail.errors!)).toEqual(['users.0', 'users.2.identifiers']);
  });

  it('turns an AppError of a user into its problem, and lets anything else through (a 500)', () => {
    expect(userProblems(AppError.badInput('no'), 4).byPath).toEqual({ 'users.4': ['no'] });
    expect(() => userProblems(new Error('bug'), 0)).toThrow('bug');
  });
});
