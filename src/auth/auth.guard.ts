import { AuditService } from '../audit/audit.service';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../common/app-error';
import { Actor } from './actor';
import { CredentialHeaders, CredentialService } from './credential.service';
import { ALLOW_KEY, PUBLIC_KEY, requestFromContext } from './decorators';
import { Access, Permission, Requirement, Scope } from './permissions';

const PERMISSIONS = new Set<string>(Object.values(Permission));
const SCOPES = new Set<string>(Object.values(Scope));

export function satisfies(actor: Actor, requirement: Requirement): boolean {
  if (requirement === Access.Authenticated) return actor.kind === 'session' || actor.kind === 'customer-token';
  if (requirement === Access.SessionOnly) return actor.kind === 'session';
  if (PERMISSIONS.has(requirement)) return actor.kind === 'session' && actor.permissions.has(requirement as Permission);
  if (SCOPES.has(requirement)) return actor.kind === 'api-token' && actor.scopes.has(requirement as Scope);
  return false;
}

/**
 * The one global guard: resolves the credential into an Actor (stored on the request) and checks the
 * @Allow / @Public metadata of the handler. A handler with neither is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const type = context.getType<string>();
    if (type !== 'graphql' && type !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true;
    const requirements = this.reflector.getAllAndOverride<Requirement[] | undefined>(ALLOW_KEY, targets);
    const request = requestFromContext(context) as {
      actor?: Actor;
      headers?: CredentialHeaders;
      id?: unknown;
      ip?: unknown;
    };
    if (!request) return true; // GraphQL field resolvers of a parent the guard already admitted
    if (!request.actor) {
      // The (cached, shared) actor of the credential, with this request's id and client address: what
      // services hand to the audit trail.
      const resolved = await this.credentials.resolve(request.headers ?? {});
      request.actor = {
        ...resolved,
        requestId: request.id === undefined ? undefined : String(request.id),
        ipAddress: typeof request.ip === 'string' ? request.ip : null,
      };
    }
    const actor = request.actor;
    if (isPublic) return true;
    if (!requirements || requirements.length === 0) throw AppError.forbidden('This operation is not available');
    if (requirements.some((r) => satisfies(actor, r))) return true;
    if (actor.kind === 'anonymous') throw AppError.unauthenticated();
    // A signed-in caller or an integration refused: `authorization.denied`, buffered (a client looping
    // on a refused call must not turn each refusal into a synchronous write).
    await this.audit.buffer(null, [
      {
        action: 'authorization.denied',
        actor,
        resource: { type: 'operation', id: operationName(context).slice(0, 64) },
        userId: actor.userId ?? null,
        changes: [{ field: 'required', old: null, new: requirements }],
      },
    ]);
    throw AppError.forbidden();
  }
}

/** `Mutation.createUser` / `PartnerController.upsert`: what was refused, for the audit entry. */
function operationName(context: ExecutionContext): string {
  if (context.getType<string>() === 'graphql') {
    const info = context.getArgByIndex(3) as { parentType?: { name: string }; fieldName?: string } | undefined;
    if (info?.parentType && info.fieldName) return `${info.parentType.name}.${info.fieldName}`;
  }
  return `${context.getClass().name}.${context.getHandler().name}`;
}
