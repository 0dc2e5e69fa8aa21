import { encodeAttribute } from './identity-codec';
import { planProfileMerge, RawAttribute, RawIdentifier, SurvivorState, unionArrays } from './merge-plan';

const id = (type: string, value: string): RawIdentifier => ({
  id: `${type}-${value}`,
  profile_id: 'from',
  type,
  value,
  created_at: '2026-01-01 00:00:00',
});
const attr = (key: string, value: unknown): RawAttribute => ({
  profile_id: 'from',
  key,
  value: encodeAttribute(value).value,
  value_key: encodeAttribute(value).valueKey,
  updated_at: '2026-01-01 00:00:00',
});
const survivor = (identifiers: [string, string][], attributes: [string, unknown][]): SurvivorState => ({
  identifiers: new Map(identifiers),
  attributes: new Map(attributes.map(([k, v]) => [k, encodeAttribute(v).value])),
});

describe('planProfileMerge', () => {
  it('moves identifiers of free types and makes the others aliases, recording them', () => {
    const state = survivor([['email', 'keep@example.com']], []);
    const plan = planProfileMerge(state, [id('email', 'gone@example.com'), id('uuid', 'u1')], []);
    expect(plan.moved.map((i) => i.type)).toEqual(['uuid']);
    expect(plan.aliased.map((i) => i.value)).toEqual(['gone@example.com']);
    expect(plan.conflicts).toEqual([
      {
        profileId: 'from',
        kind: 'identifier',
        name: 'email',
        value: 'gone@example.com',
        kept: 'keep@example.com',
        alias: true,
      },
    ]);
    expect(state.identifiers.get('uuid')).toBe('u1');
  });

  it("keeps the survivor's values, unions arrays, and records only values actually dropped", () => {
    const state = survivor(
      [],
      [
        ['c_tier', 'gold'],
        ['c_tags', ['a', 'b']],
        ['c_same', 1],
        ['c_sub', ['a']],
      ],
    );
    const plan = planProfileMerge(
      state,
      [],
      [
        attr('c_tier', 'silver'),
        attr('c_tags', ['b', 'c']),
        attr('c_same', 1),
        attr('c_sub', ['a']),
        attr('c_new', true),
      ],
    );
    expect(plan.movedAttributes).toEqual(['c_new']);
    expect(plan.droppedAttributes).toEqual(['c_tier', 'c_tags', 'c_same', 'c_sub']);
    expect(plan.unions).toEqual([{ key: 'c_tags', value: ['a', 'b', 'c'] }]);
    expect(plan.conflicts).toEqual([
      { profileId: 'from', kind: 'attribute', name: 'c_tier', value: 'silver', kept: 'gold' },
    ]);
    expect(state.attributes.get('c_tags')).toBe('["a","b","c"]');
  });

  it('a value against an array (or the reverse) is a conflict, not a union', () => {
    const plan = planProfileMerge(survivor([], [['c_x', ['a']]]), [], [attr('c_x', 'a')]);
    expect(plan.unions).toEqual([]);
    expect(plan.conflicts).toEqual([{ profileId: 'from', kind: 'attribute', name: 'c_x', value: 'a', kept: ['a'] }]);
  });
});

describe('unionArrays', () => {
  it("keeps the first array's order, then the new items, comparing values as JSON", () => {
    expect(unionArrays([1, { a: 1 }], [{ a: 1 }, 2, 1, 2])).toEqual([1, { a: 1 }, 2]);
  });
});
