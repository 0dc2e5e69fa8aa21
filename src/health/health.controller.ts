import { Controller, Get, Logger, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators';
import { RedisService } from '../common/redis.module';
import { ReplicaService } from '../database/replicas';

type Component =
  | { status: 'up'; responseTime: number }
  | { status: 'down' }
  | { status: 'up'; lagMs: number }
  | { status: 'down'; reason: string };

/** The health body (terminus' shape, kept for existing probes): no internal error text, for anyone. */
interface HealthBody {
  status: 'ok' | 'error';
  info: Record<string, Component>;
  error: Record<string, Component>;
  details: Record<string, Component>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * Liveness and readiness for load balancers and orchestrators.
 *
 * - `GET /health/live`: the process answers (no dependency is checked; restart it when this fails).
 * - `GET /health/ready` (and `GET /health`): the database answers `SELECT 1`, and Redis a PING when
 *   REDIS_URL is set, each within 2 s; 503 otherwise (take the instance out of rotation). With
 *   DATABASE_REPLICA_URLS, `replica_1`… say whether each replica is in use and how far behind it is.
 *
 * A failed check says only `"status":"down"`: why it failed (`connect ECONNREFUSED …`) is logged with
 * the request id, never answered.
 */
@Controller('health')
export class HealthController {
  private readonly log = new Logger('Health');

  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
    private readonly replicas: ReplicaService,
  ) {}

  @Get('live')
  @Public()
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.check(reply);
  }

  @Get()
  @Public()
  health(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.check(reply);
  }

  private async check(reply: FastifyReply): Promise<HealthBody> {
    const checks: [string, Promise<Component>][] = [['database', this.timed('database', () => this.database())]];
    if (this.redis.client) checks.push(['redis', this.timed('redis', () => this.redisPing())]);
    const body: HealthBody = { status: 'ok', info: {}, error: {}, details: {} };
    for (const [name, pending] of checks) {
      const result = await pending;
      body.details[name] = result;
      if (result.status === 'up') body.info[name] = result;
      else body.error[name] = result;
    }
    // DATABASE_REPLICA_URLS: each replica as the monitor last saw it (`replica_1`, … in the order given).
    // A replica down or lagging is reported, not an error: its reads go to the primary, the instance stays ready.
    this.replicas.states.forEach((state, i) => {
      const component: Component = state.up
        ? { status: 'up', lagMs: state.lagMs ?? 0 }
        : { status: 'down', reason: state.reason ?? 'down' };
      body.details[`replica_${i + 1}`] = component;
      if (state.up) body.info[`replica_${i + 1}`] = component;
    });
    if (Object.keys(body.error).length > 0) {
      body.status = 'error';
      void reply.status(503);
    }
    return body;
  }

  private async database(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('the database connection is closed');
    await this.dataSource.query('SELECT 1');
  }

  private async redisPing(): Promise<void> {
    if (!(await this.redis.ping(CHECK_TIMEOUT_MS)))
      throw new Error(`Redis is ${this.redis.client?.status ?? 'not configured'}`);
  }

  private async timed(name: string, check: () => Promise<void>): Promise<Component> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return { status: 'up', responseTime: Date.now() - started };
    } catch (error) {
      this.log.warn({ err: error, check: name }, `health check failed: ${name}`);
      return { status: 'down' };
    } finally {
      clearTimeout(timer);
    }
  }
}
