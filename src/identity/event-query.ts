import { inList } from '../database/sql';

/**
 * The statement behind `Identity.events`: each profile's newest events, at most `take` per profile, for
 * a batch of profiles (a DataLoader's), in one statement. Each profile's part reads the events index
 * `ix_identity_events_profile_time (profile_id, timestamp)` backwards from its newest entry and stops
 * after `take` rows, so its cost does not grow with the profile's history:
 *
 * - PostgreSQL: `unnest` of the ids, `CROSS JOIN LATERAL` one `ORDER BY timestamp DESC … LIMIT` per id;
 * - SQLite (no LATERAL): the same subquery per id, `UNION ALL`ed (at most EVENT_PROFILES_PER_STATEMENT).
 *
 * Events of the same instant are ordered by id (time-ordered: the later written first).
 */

/** Profiles per SQLite statement (one UNION ALL term each; SQLite allows 500 terms). */
export const EVENT_PROFILES_PER_STATEMENT = 100;

export interface EventPage {
  /** events per profile (0: none) */
  take: number;
  /** only these event names; null: any */
  names: readonly string[] | null;
  /** at or after */
  from: Date | null;
  /** before */
  to: Date | null;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/** ` AND …` conditions of a page, their placeholders numbered after `offset` parameters. */
function conditions(page: EventPage, offset: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = '';
  if (page.from) {
    params.push(page.from);
    sql += ` AND timestamp >= $${offset + params.length}`;
  }
  if (page.to) {
    params.push(page.to);
    sql += ` AND timestamp < $${offset + params.length}`;
  }
  if (page.names) {
    sql += ` AND event_name IN (${inList(page.names.length, offset + params.length)})`;
    params.push(...page.names);
  }
  return { sql, params };
}

/**
 * The statement reading a page of events of each of `profileIds` (a non-empty list; on SQLite at most
 * EVENT_PROFILES_PER_STATEMENT). Rows: profile_id, id, event_name, timestamp, params (JSON text).
 */
export function recentEventsStatement(
  engine: 'postgres' | 'sqlite',
  profileIds: readonly string[],
  page: EventPage,
): Statement {
  if (!profileIds.length) throw new Error('recentEventsStatement needs at least one profile id');
  if (page.names && !page.names.length)
    throw new Error('recentEventsStatement: an empty list of names matches nothing');
  const take = Math.max(0, Math.floor(page.take));
  const order = `ORDER BY timestamp DESC, id DESC LIMIT ${take}`;
  if (engine === 'postgres') {
    const filter = conditions(page, 1);
    return {
      sql:
        'SELECT p.id AS profile_id, e.id, e.event_name, e.timestamp, e.params FROM unnest($1::varchar[]) AS p(id) ' +
        'CROSS JOIN LATERAL (SELECT id, event_name, timestamp, params FROM identity_events ' +
        `WHERE profile_id = p.id${filter.sql} ${order}) e`,
      params: [[...profileIds], ...filter.params],
    };
  }
  if (profileIds.length > EVENT_PROFILES_PER_STATEMENT) {
    throw new Error(`recentEventsStatement: at most ${EVENT_PROFILES_PER_STATEMENT} profiles per SQLite statement`);
  }
  const filter = conditions(page, 0);
  const first = filter.params.length;
  const terms = profileIds.map(
    (_, i) =>
      'SELECT * FROM (SELECT profile_id, id, event_name, timestamp, params FROM identity_events ' +
      `WHERE profile_id = $${first + i + 1}${filter.sql} ${order})`,
  );
  return { sql: terms.join(' UNION ALL '), params: [...filter.params, ...profileIds] };
}
