import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';

/** The client address: the socket's, or X-Forwarded-For's when TRUSTED_PROXIES names the proxy. */
export const ClientIp = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request: FastifyRequest =
    context.getType<string>() === 'graphql'
      ? GqlExecutionContext.create(context).getContext<{ req: FastifyRequest }>().req
      : context.switchToHttp().getRequest<FastifyRequest>();
  return request.ip ?? 'unknown';
});
