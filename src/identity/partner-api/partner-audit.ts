import { change, FieldChange } from '../../audit/audit-fields';
import type { AuditEntry } from '../../audit/audit.service';
import type { Actor } from '../../auth/actor';
import type { StoredAttribute, StoredIdentifier } from '../profile-store';

/** What one `/upsert` (or part of one) wrote, as ProfileStore rows. */
export interface UpsertWrites {
  /** profiles created */
  profiles: readonly string[];
  identifiers: readonly StoredIdentifier[];
  attributes: readonly StoredAttribute[];
  events: readonly { profileId: string }[];
}

/**
 * The audit entries of an `/upsert`'s writes, one per profile touched: `identity.created` for a new
 * profile, `identity.updated` otherwise, with a change per identifier and attribute written (new value
 * masked; the old value is not read on this hot path, so it is absent) and the number of events added.
 * Also the webhook events of the same names (the sinks see the same entries).
 */
export function upsertEntries(writes: UpsertWrites, actor: Actor | null = null): AuditEntry[] {
  const created = new Set(writes.profiles);
  const byProfile = new Map<string, FieldChange[]>();
  const changesOf = (profileId: string) => {
    let changes = byProfile.get(profileId);
    if (!changes) byProfile.set(profileId, (changes = []));
    return changes;
  };
  for (const id of writes.profiles) changesOf(id);
  for (const i of writes.identifiers) changesOf(i.profileId).push(change(i.type, null, i.value));
  for (const a of writes.attributes) changesOf(a.profileId).push(withoutOld(change(a.key, null, a.value)));
  const events = new Map<string, number>();
  for (const e of writes.events) events.set(e.profileId, (events.get(e.profileId) ?? 0) + 1);
  for (const [profileId, count] of events) changesOf(profileId).push({ field: 'events', old: undefined, new: count });
  const entries: AuditEntry[] = [];
  for (const [profileId, changes] of byProfile) {
    if (!changes.length && !created.has(profileId)) continue;
    entries.push({
      actor,
      action: created.has(profileId) ? 'identity.created' : 'identity.updated',
      resource: { type: 'identity', id: profileId },
      changes,
    });
  }
  return entries;
}

function withoutOld(c: FieldChange): FieldChange {
  return { field: c.field, old: undefined, new: c.new };
}
