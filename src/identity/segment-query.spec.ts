import {
  normaliseConditions,
  SEGMENT_INDEX_WHERE,
  segmentCountStatement,
  segmentIndexPredicate,
  segmentPageStatement,
} from './segment-query';

const tier = { key: 'c_tier', valueKey: 'h-gold' };
const region = { key: 'c_region', valueKey: 'h-north' };
const page = { take: 100, skip: 0, after: null };

describe('segment statements', () => {
  it('repeat the index predicate on every alias, word for word', () => {
    expect(SEGMENT_INDEX_WHERE).toBe("substr(key, 1, 2) = 'c_'");
    expect(segmentIndexPredicate('a3')).toBe("substr(a3.key, 1, 2) = 'c_'");
    const { sql } = segmentPageStatement([tier, region], page);
    expect(sql).toContain("substr(a0.key, 1, 2) = 'c_'");
    expect(sql).toContain("substr(a1.key, 1, 2) = 'c_'");
  });

  it('page one condition from the index range, then read the profiles by id', () => {
    expect(segmentPageStatement([tier], { take: 100, skip: 5, after: null })).toEqual({
      sql:
        'SELECT p.id, p.user_id, p.created_at, p.updated_at FROM (SELECT a0.profile_id FROM identity_attributes a0 ' +
        "WHERE a0.key = $1 AND a0.value_key = $2 AND substr(a0.key, 1, 2) = 'c_' ORDER BY a0.profile_id LIMIT $3 OFFSET $4) s " +
        'JOIN identity_profiles p ON p.id = s.profile_id ORDER BY p.id',
      params: ['c_tier', 'h-gold', 100, 5],
    });
  });

  it('join an AND on the profile and bound every condition by the cursor', () => {
    const { sql, params } = segmentPageStatement([tier, region], { take: 10, skip: 0, after: 'p-42' });
    expect(params).toEqual(['p-42', 'c_tier', 'h-gold', 'c_region', 'h-north', 10, 0]);
    expect(sql).toContain(
      "JOIN identity_attributes a1 ON a1.profile_id = a0.profile_id AND a1.key = $4 AND a1.value_key = $5 AND substr(a1.key, 1, 2) = 'c_' AND a1.profile_id > $1",
    );
    expect(sql).toContain(
      "WHERE a0.key = $2 AND a0.value_key = $3 AND substr(a0.key, 1, 2) = 'c_' AND a0.profile_id > $1",
    );
  });

  it('page every profile by id without conditions', () => {
    expect(segmentPageStatement([], { take: 3, skip: 0, after: 'p-1' })).toEqual({
      sql: 'SELECT p.id, p.user_id, p.created_at, p.updated_at FROM identity_profiles p WHERE p.id > $1 ORDER BY p.id LIMIT $2 OFFSET $3',
      params: ['p-1', 3, 0],
    });
  });

  it('count from the attribute rows alone (every profile without conditions)', () => {
    expect(segmentCountStatement([tier, region])).toEqual({
      sql:
        'SELECT COUNT(*) AS n FROM identity_attributes a0 JOIN identity_attributes a1 ON a1.profile_id = a0.profile_id AND ' +
        "a1.key = $3 AND a1.value_key = $4 AND substr(a1.key, 1, 2) = 'c_' WHERE a0.key = $1 AND a0.value_key = $2 AND " +
        "substr(a0.key, 1, 2) = 'c_'",
      params: ['c_tier', 'h-gold', 'c_region', 'h-north'],
    });
    expect(segmentCountStatement([])).toEqual({ sql: 'SELECT COUNT(*) AS n FROM identity_profiles', params: [] });
  });
});

describe('normaliseConditions', () => {
  it('drops repeated conditions', () => {
    expect(normaliseConditions([tier, region, { ...tier }])).toEqual([tier, region]);
  });

  it('answers null for two values of one key: no profile has both', () => {
    expect(normaliseConditions([tier, { key: 'c_tier', valueKey: 'h-silver' }])).toBeNull();
  });

  it('keeps no conditions as none', () => {
    expect(normaliseConditions([])).toEqual([]);
  });
});
