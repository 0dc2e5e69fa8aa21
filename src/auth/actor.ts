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
}

export const ANONYMOUS: Actor = Object.freeze({
  kind: 'anonymous',
  permissions: new Set<Permission>(),
  scopes: new Set<Scope>(),
});

export function can(actor: Actor, permission: Permission): boolean {
  return actor.permissions.has(permission);
}
