import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
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

export function requestFromContext(context: ExecutionContext): { actor?: ActorType } & Record<string, unknown> {
  if (context.getType<string>() === 'graphql') return GqlExecutionContext.create(context).getContext().req;
  return context.switchToHttp().getRequest();
}

/** The caller, as the global guard resolved it. */
export const Actor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ActorType => requestFromContext(context).actor ?? ANONYMOUS,
);
