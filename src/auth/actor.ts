import { Permission, Scope } from './permissions';

export type ActorKind = 'anonymous' | 'session' | 'customer-token' | 'api-token';

/** Who is calling: built once per request by the global guard. */
export interface Actor {
  kind: ActorKind;
  /** the signed-in user (session, customer token) */
  userId?: string;
  /** the session (session credential only) */
  sessionId?: string;
  /** the API token (api-token credential only) */
  apiTokenId?: string;
  permissions: ReadonlySet<Permission>;
  scopes: ReadonlySet<Scope>;
  /** the request this actor made (set per request by the guard, for the audit trail) */
  requestId?: string;
  /** the client address of that request (as the rate limits see it) */
  ipAddress?: string | null;
}

export const ANONYMOUS: Actor = Object.freeze({
  kind: 'anonymous',
  permissions: new Set<Permission>(),
  scopes: new Set<Scope>(),
});

export function can(actor: Actor, permission: Permission): boolean {
  return actor.permissions.has(permission);
}
