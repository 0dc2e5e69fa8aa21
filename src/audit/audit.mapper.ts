import { AuditRow } from './audit-store';
import { AuditChange, AuditEvent } from './audit.model';

export function toAuditEvent(row: AuditRow): AuditEvent {
  let changes: AuditChange[] = [];
  try {
    changes = JSON.parse(row.changes) as AuditChange[];
  } catch {
    // an entry whose changes cannot be read is shown without them
  }
  return {
    id: row.id,
    occurredAt: row.occurredAt,
    actor: { kind: row.actorKind, id: row.actorId, ipAddress: row.actorIp, requestId: row.requestId },
    action: row.action,
    resource: { type: row.resourceType, id: row.resourceId },
    changes,
  };
}
