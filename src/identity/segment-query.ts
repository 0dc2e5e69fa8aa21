import { CUSTOM_ATTRIBUTE_PREFIX } from './identity-codec';

/**
 * The statements of a segment (`identities`, `identitiesCount`): profiles having every custom attribute
 * condition `(key, valueKey)`, in profile id order. Pure: ProfileStore runs them.
 *
 * Each condition reads the partial index `ix_identity_attributes_segment` on
 * `(key, value_key, profile_id) WHERE substr(key, 1, 2) = 'c_'` (custom attributes are the only ones a
 * segment names). In it a condition's profiles are one range, already in profile id order, so
 *
 * - a page is the first `take` entries of that range after the cursor (`profile_id > after`), whatever
 *   the depth: the cost of the first page, at any size;
 * - an AND of conditions is a merge of their ranges (or, for a rare condition, a probe of the others per
 *   profile); the cursor bound is repeated on every condition, so every range starts at the cursor
 *   (PostgreSQL carries equalities from one join to another, not inequalities);
 * - a count of one condition reads the count the triggers keep; of an AND, the index entries only (an
 *   index-only scan where the visibility map allows).
 *
 * A profile has at most one row per key, so the joins never repeat a profile. Only then are the (at
 * most `take`) profiles read, by primary key. The index's predicate is repeated word for word in every
 * condition, so both engines' planners can prove the partial index usable.
 */
export interface SegmentCondition {
  /** the stored key of a custom attribute: `c_<name>` */
  key: string;
  /** attributeValueKey(value) */
  valueKey: string;
}

export interface SegmentPage {
  take: number;
  skip: number;
  /** the id of the last profile of the previous page: the page starts after it */
  after: string | null;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/** The predicate of the segment index (custom attributes only), as the entity and the migrations have it. */
export const SEGMENT_INDEX_WHERE = `substr(key, 1, ${CUSTOM_ATTRIBUTE_PREFIX.length}) = '${CUSTOM_ATTRIBUTE_PREFIX}'`;

/** The same predicate on a table alias: every condition repeats it, so the planners can use the index. */
export const segmentIndexPredicate = (alias: string) => SEGMENT_INDEX_WHERE.replace('(key,', `(${alias}.key,`);

const PROFILE_COLUMNS = 'p.id, p.user_id, p.created_at, p.updated_at';

/**
 * The conditions a segment really has: duplicates dropped, and null when two conditions name one key
 * with different values (a profile has one value per key: nobody matches, no statement needed).
 */
export function normaliseConditions(conditions: readonly SegmentCondition[]): SegmentCondition[] | null {
  const byKey = new Map<string, string>();
  for (const c of conditions) {
    const known = byKey.get(c.key);
    if (known !== undefined && known !== c.valueKey) return null;
    byKey.set(c.key, c.valueKey);
  }
  return [...byKey].map(([key, valueKey]) => ({ key, valueKey }));
}

/** `FROM identity_attributes a0 JOIN … a1 ON … WHERE …` for conditions (at least one) and an optional cursor. */
function attributeJoins(conditions: readonly SegmentCondition[], params: unknown[], after: string | null): string {
  const afterParam = after === null ? null : `$${params.push(after)}`;
  const clauses = conditions.map((c, i) => {
    const a = `a${i}`;
    const parts = [`${a}.key = $${params.push(c.key)}`, `${a}.value_key = $${params.push(c.valueKey)}`];
    parts.push(segmentIndexPredicate(a));
    if (afterParam) parts.push(`${a}.profile_id > ${afterParam}`);
    if (i > 0) parts.unshift(`${a}.profile_id = a0.profile_id`);
    return parts.join(' AND ');
  });
  const joins = clauses.slice(1).map((on, i) => ` JOIN identity_attributes a${i + 1} ON ${on}`);
  return `FROM identity_attributes a0${joins.join('')} WHERE ${clauses[0]}`;
}

/** One page of a segment: the profiles' rows (id, user_id, created_at, updated_at), by id. */
export function segmentPageStatement(conditions: readonly SegmentCondition[], page: SegmentPage): Statement {
  const params: unknown[] = [];
  if (!conditions.length) {
    const where = page.after === null ? '' : ` WHERE p.id > $${params.push(page.after)}`;
    const limit = `$${params.push(page.take)}`;
    const offset = `$${params.push(page.skip)}`;
    return {
      sql: `SELECT ${PROFILE_COLUMNS} FROM identity_profiles p${where} ORDER BY p.id LIMIT ${limit} OFFSET ${offset}`,
      params,
    };
  }
  const from = attributeJoins(conditions, params, page.after);
  const limit = `$${params.push(page.take)}`;
  const offset = `$${params.push(page.skip)}`;
  return {
    sql:
      `SELECT ${PROFILE_COLUMNS} FROM (SELECT a0.profile_id ${from} ORDER BY a0.profile_id LIMIT ${limit} OFFSET ${offset}) s` +
      ' JOIN identity_profiles p ON p.id = s.profile_id ORDER BY p.id',
    params,
  };
}

/**
 * How many profiles a segment holds. One condition: its count kept by the triggers of migration
 * SegmentCounts (the folded count plus the changes not yet folded, read in one snapshot), whatever the
 * segment's size. Several: from the index entries alone (an AND has no kept count). None: the profiles table.
 */
export function segmentCountStatement(conditions: readonly SegmentCondition[]): Statement {
  if (!conditions.length) return { sql: 'SELECT COUNT(*) AS n FROM identity_profiles', params: [] };
  if (conditions.length === 1) {
    const of = (table: string) => `(SELECT COALESCE(SUM(n), 0) FROM ${table} WHERE key = $1 AND value_key = $2)`;
    return {
      sql: `SELECT ${of('identity_segment_counts')} + ${of('identity_segment_count_changes')} AS n`,
      params: [conditions[0].key, conditions[0].valueKey],
    };
  }
  const params: unknown[] = [];
  return { sql: `SELECT COUNT(*) AS n ${attributeJoins(conditions, params, null)}`, params };
}
