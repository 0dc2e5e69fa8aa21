import { upsertEntries } from './partner-audit';

describe('upsertEntries', () => {
  it('one entry per profile: created or updated, values masked, events counted', () => {
    const entries = upsertEntries({
      profiles: ['p1'],
      identifiers: [{ profileId: 'p1', type: 'email', value: 'jane@example.com' }],
      attributes: [
        { profileId: 'p1', key: 'name', value: 'Jane' },
        { profileId: 'p2', key: 'age', value: 41 },
      ],
      events: [{ profileId: 'p2' }, { profileId: 'p2' }],
    });
    expect(entries).toEqual([
      {
        actor: null,
        action: 'identity.created',
        resource: { type: 'identity', id: 'p1' },
        changes: [
          { field: 'email', old: null, new: 'j***@example.com' },
          { field: 'name', old: undefined, new: 'J***' },
        ],
      },
      {
        actor: null,
        action: 'identity.updated',
        resource: { type: 'identity', id: 'p2' },
        changes: [
          { field: 'age', old: undefined, new: '***' },
          { field: 'events', old: undefined, new: 2 },
        ],
      },
    ]);
  });

  it('a profile touched with nothing written has no entry', () => {
    expect(upsertEntries({ profiles: [], identifiers: [], attributes: [], events: [] })).toEqual([]);
  });
});
