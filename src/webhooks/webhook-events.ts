import type { AuditEntry } from '../audit/audit.service';

/** The event types of SPEC §9 (the audit actions of the same name emit them). */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.email_verified',
  'user.password_changed',
  'address.created',
  'address.updated',
  'address.deleted',
  'customer_group.member_added',
  'customer_group.member_removed',
  'identity.created',
  'identity.updated',
  'identity.deleted',
  'identity.merged',
  'identity.unmerged',
  'identity.erased',
  'identity.identifier_changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
const TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export function isWebhookEventType(type: string): type is WebhookEventType {
  return TYPES.has(type);
}

/** The thin payload (SPEC §9): what changed, never the values. */
export interface WebhookPayload {
  type: string;
  /** ISO 8601 */
  timestamp: string;
  data: { id: string | null; changed: string[]; customerGroupId?: string };
}

/**
 * The payload of an audit entry's event. Membership events are about the member: `data.id` is the
 * user, `data.customerGroupId` the group.
 */
export function payloadOf(entry: AuditEntry, at: Date): WebhookPayload {
  const changed = [...new Set((entry.changes ?? []).map((c) => c.field))];
  if (entry.action.startsWith('customer_group.member_')) {
    return {
      type: entry.action,
      timestamp: at.toISOString(),
      data: { id: entry.userId ?? null, changed, customerGroupId: entry.resource.id ?? undefined },
    };
  }
  return { type: entry.action, timestamp: at.toISOString(), data: { id: entry.resource.id, changed } };
}
