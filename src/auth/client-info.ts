import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { IP_ADDRESS_MAX, USER_AGENT_MAX } from './session.entity';
import { requestFromContext } from './decorators';

/** What a session records of the client that signed in. */
export interface SessionClient {
  ipAddress?: string | null;
  userAgent?: string | null;
}

interface RequestLike {
  ip?: unknown;
  headers?: Record<string, unknown>;
}

/**
 * The client of a request: its address as the rest of the service computes it (Fastify's `request.ip`:
 * the socket address, or the `X-Forwarded-For` entry left by TRUSTED_PROXIES, as the per-address rate
 * limits see it) and its `User-Agent`, cut to USER_AGENT_MAX characters. Empty values are null.
 */
export function clientOf(request: RequestLike | undefined): SessionClient {
  const ip = typeof request?.ip === 'string' ? request.ip.slice(0, IP_ADDRESS_MAX) : '';
  const header = request?.headers?.['user-agent'];
  const agent = (Array.isArray(header) ? header[0] : header) as unknown;
  const userAgent = typeof agent === 'string' ? agent.trim().slice(0, USER_AGENT_MAX) : '';
  return { ipAddress: ip || null, userAgent: userAgent || null };
}

/** The calling client (address and user agent), on GraphQL and REST alike. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): SessionClient =>
  clientOf(requestFromContext(context) as RequestLike),
);
