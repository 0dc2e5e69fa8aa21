import { decodeAttribute, encodeAttribute } from './identity-codec';

/**
 * Pure planning of a merge of profiles (SPEC §10): which identifiers move and which become aliases,
 * which attributes move, which are unioned, and every value dropped. Rows are as stored (raw text of
 * values and timestamps), so that an unmerge can put them back byte for byte.
 */

/** An identity_identifiers row as stored. */
export interface RawIdentifier {
  id: string;
  profile_id: string;
  type: string;
  value: string;
  created_at: string;
}

/** An identity_attributes row as stored (`value` is the JSON encoding). */
export interface RawAttribute {
  profile_id: string;
  key: string;
  value: string;
  value_key: string;
  updated_at: string;
}

/** An identity_profiles row as stored. */
export interface RawProfile {
  id: string;
  user_id: string | null;
  created_at: string;
  updated_at: string;
}

/** An identity_aliases row as stored. */
export interface RawAlias {
  id: string;
  profile_id: string;
  type: string;
  value: string;
  merge_id: string;
  created_at: string;
}

/**
 * A value the merge did not keep on the survivor. An identifier is never lost: it became an alias of the
 * survivor (`alias: true`). An attribute's value is dropped when the survivor had another value for it.
 */
export interface MergeConflict {
  /** the merged profile the value was on */
  profileId: string;
  kind: 'identifier' | 'attribute';
  /** the identifier type (`email`, `custom:loyalty_id`) or the attribute key (`name`, `c_tier`) */
  name: string;
  /** the merged profile's value */
  value: unknown;
  /** the survivor's value, which it keeps */
  kept: unknown;
  /** identifiers only: the value now leads to the survivor */
  alias?: boolean;
}

/** What the survivor holds while profiles are merged into it, one after the other. */
export interface SurvivorState {
  /** identifier type → value */
  identifiers: Map<string, string>;
  /** attribute key → stored (JSON) value */
  attributes: Map<string, string>;
}

/** The plan for one merged profile. */
export interface ProfilePlan {
  /** identifiers of types the survivor lacks: they move (their rows keep their ids) */
  moved: RawIdentifier[];
  /** identifiers of types the survivor has: deleted, and aliases of the survivor instead */
  aliased: RawIdentifier[];
  /** attribute keys the survivor lacks: the rows move */
  movedAttributes: string[];
  /** attribute keys the survivor has: the merged profile's rows are deleted */
  droppedAttributes: string[];
  /** survivor values to write: array attributes unioned (key → new value, decoded) */
  unions: { key: string; value: unknown }[];
  conflicts: MergeConflict[];
}

/** `a` then the items of `b` that are not in `a` (compared as JSON), in their order. */
export function unionArrays(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const seen = new Set(a.map((item) => JSON.stringify(item)));
  const out = [...a];
  for (const item of b) {
    const key = JSON.stringify(item);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

/**
 * Plans the merge of one profile into the survivor, and updates `survivor` to what it holds after it.
 * The survivor's values win; array attributes are unioned (the survivor's items first); a value the
 * survivor had another one for is recorded as a conflict.
 */
export function planProfileMerge(
  survivor: SurvivorState,
  identifiers: readonly RawIdentifier[],
  attributes: readonly RawAttribute[],
): ProfilePlan {
  const plan: ProfilePlan = {
    moved: [],
    aliased: [],
    movedAttributes: [],
    droppedAttributes: [],
    unions: [],
    conflicts: [],
  };
  for (const row of identifiers) {
    const kept = survivor.identifiers.get(row.type);
    if (kept === undefined) {
      plan.moved.push(row);
      survivor.identifiers.set(row.type, row.value);
    } else {
      plan.aliased.push(row);
      plan.conflicts.push({
        profileId: row.profile_id,
        kind: 'identifier',
        name: row.type,
        value: row.value,
        kept,
        alias: true,
      });
    }
  }
  for (const row of attributes) {
    const keptText = survivor.attributes.get(row.key);
    if (keptText === undefined) {
      plan.movedAttributes.push(row.key);
      survivor.attributes.set(row.key, row.value);
      continue;
    }
    plan.droppedAttributes.push(row.key);
    if (keptText === row.value) continue; // the same value: nothing is lost
    const kept = decodeAttribute(keptText);
    const value = decodeAttribute(row.value);
    if (Array.isArray(kept) && Array.isArray(value)) {
      const union = unionArrays(kept, value);
      if (union.length !== kept.length) {
        plan.unions = plan.unions.filter((u) => u.key !== row.key);
        plan.unions.push({ key: row.key, value: union });
        survivor.attributes.set(row.key, encodeAttribute(union).value);
      }
      continue;
    }
    plan.conflicts.push({ profileId: row.profile_id, kind: 'attribute', name: row.key, value, kept });
  }
  return plan;
}
