import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Extensions, GqlExecutionContext } from '@nestjs/graphql';
import { Actor as ActorType, ANONYMOUS } from './actor';
import { Requirement } from './permissions';

export const ALLOW_KEY = 'identity-hub:allow';
export const PUBLIC_KEY = 'identity-hub:public';

/**
 * The operation may be called by an actor that satisfies ANY of the requirements: a role permission,
 * an API-token scope, or an Access level. Without @Allow or @Public an operation is refused.
 */
export const Allow = (...requirements: Requirement[]) => SetMetadata(ALLOW_KEY, requirements);
/** Anyone may call the operation, signed in or not (a present-but-wrong credential is still refused). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const FIELD_ALLOW_EXTENSION = 'fieldAllow';
export const RETURNS_OWN_ACCOUNT_EXTENSION = 'returnsOwnAccount';
/**
 * A nested field (not an operation: those take @Allow) that needs ANY of the requirements, whoever owns
 * the parent: FORBIDDEN otherwise. Enforced by the per-field authorization (auth/field-authorization.ts).
 */
export const FieldAllow = (...requirements: Requirement[]) => Extensions({ [FIELD_ALLOW_EXTENSION]: requirements });
/**
 * The User this field returns is the caller's own account by construction (the account just registered,
 * just signed in to, or whose email the caller just verified with the token mailed to it): the rest of
 * the response may read it as its owner, though the request came without a credential. Grants no
 * permission.
 */
export const ReturnsOwnAccount = () => Extensions({ [RETURNS_OWN_ACCOUNT_EXTENSION]: true });

export function requestFromContext(context: ExecutionContext): { actor?: ActorType } & Record<string, unknown> {
  if (context.getType<string>() === 'graphql') return GqlExecutionContext.create(context).getContext().req;
  return context.switchToHttp().getRequest();
}

/** The caller, as the global guard resolved it. */
export const Actor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ActorType => requestFromContext(context).actor ?? ANONYMOUS,
);
