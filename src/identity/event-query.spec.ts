import { EVENT_PROFILES_PER_STATEMENT, recentEventsStatement } from './event-query';

const from = new Date('2024-01-01T00:00:00Z');
const to = new Date('2024-02-01T00:00:00Z');

describe('recentEventsStatement', () => {
  it('PostgreSQL: one LATERAL page per profile id, newest first, ids as one array', () => {
    const { sql, params } = recentEventsStatement('postgres', ['p1', 'p2'], {
      take: 20,
      names: null,
      from: null,
      to: null,
    });
    expect(sql).toBe(
      'SELECT p.id AS profile_id, e.id, e.event_name, e.timestamp, e.params FROM unnest($1::varchar[]) AS p(id) ' +
        'CROSS JOIN LATERAL (SELECT id, event_name, timestamp, params FROM identity_events ' +
        'WHERE profile_id = p.id ORDER BY timestamp DESC, id DESC LIMIT 20) e',
    );
    expect(params).toEqual([['p1', 'p2']]);
  });

  it('PostgreSQL: the filters numbered after the ids', () => {
    const { sql, params } = recentEventsStatement('postgres', ['p1'], {
      take: 5,
      names: ['purchase', 'cart_page_view'],
      from,
      to,
    });
    expect(sql).toContain(
      'WHERE profile_id = p.id AND timestamp >= $2 AND timestamp < $3 AND event_name IN ($4, $5) ORDER BY timestamp DESC, id DESC LIMIT 5',
    );
    expect(params).toEqual([['p1'], from, to, 'purchase', 'cart_page_view']);
  });

  it('SQLite: one UNION ALL term per profile, the filters shared by every term', () => {
    const { sql, params } = recentEventsStatement('sqlite', ['p1', 'p2'], {
      take: 3,
      names: ['purchase'],
      from,
      to: null,
    });
    const term = (n: number) =>
      'SELECT * FROM (SELECT profile_id, id, event_name, timestamp, params FROM identity_events ' +
      `WHERE profile_id = $${n} AND timestamp >= $1 AND event_name IN ($2) ORDER BY timestamp DESC, id DESC LIMIT 3)`;
    expect(sql).toBe(`${term(3)} UNION ALL ${term(4)}`);
    expect(params).toEqual([from, 'purchase', 'p1', 'p2']);
  });

  it('takes whole, non-negative pages', () => {
    expect(recentEventsStatement('sqlite', ['p'], { take: 2.7, names: null, from: null, to: null }).sql).toContain(
      'LIMIT 2)',
    );
    expect(recentEventsStatement('postgres', ['p'], { take: -1, names: null, from: null, to: null }).sql).toContain(
      'LIMIT 0)',
    );
  });

  it('refuses what the store never asks: no ids, no names, too many SQLite terms', () => {
    const page = { take: 1, names: null, from: null, to: null };
    expect(() => recentEventsStatement('postgres', [], page)).toThrow('at least one profile id');
    expect(() => recentEventsStatement('sqlite', ['p'], { ...page, names: [] })).toThrow('matches nothing');
    const many = Array.from({ length: EVENT_PROFILES_PER_STATEMENT + 1 }, (_, i) => `p${i}`);
    expect(() => recentEventsStatement('sqlite', many, page)).toThrow(`at most ${EVENT_PROFILES_PER_STATEMENT}`);
    expect(() => recentEventsStatement('postgres', many, page)).not.toThrow();
  });
});
