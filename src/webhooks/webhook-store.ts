import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { isPostgres, query } from '../database/sql';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

/** The statements on `webhook_endpoints` (a small table: TypeORM's repository is enough). */
@Injectable()
export class WebhookStore {
  constructor(@InjectRepository(WebhookEndpointEntity) private readonly endpoints: Repository<WebhookEndpointEntity>) {}

  list(): Promise<WebhookEndpointEntity[]> {
    return this.endpoints.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** The enabled endpoints and their events (what the change sink fans out to). */
  enabled(manager?: EntityManager): Promise<Pick<WebhookEndpointEntity, 'id' | 'events'>[]> {
    const repo = manager ? manager.getRepository(WebhookEndpointEntity) : this.endpoints;
    return repo.find({ where: { enabled: true }, select: { id: true, events: true } });
  }

  find(id: string): Promise<WebhookEndpointEntity | null> {
    return this.endpoints.findOneBy({ id });
  }

  /**
   * How many endpoints there are, for an insert in this transaction that must not pass a cap. On
   * PostgreSQL the transaction first takes the table in SHARE ROW EXCLUSIVE mode (it conflicts with
   * itself and with writes, not with reads): a concurrent create waits here until this one commits, then
   * counts its row. SQLite's transactions already run one at a time (TransactionService).
   */
  async countForInsert(manager: EntityManager): Promise<number> {
    if (isPostgres(manager)) await query(manager, 'LOCK TABLE webhook_endpoints IN SHARE ROW EXCLUSIVE MODE');
    return manager.getRepository(WebhookEndpointEntity).count();
  }

  async insert(manager: EntityManager, row: WebhookEndpointEntity): Promise<void> {
    await manager.getRepository(WebhookEndpointEntity).insert(row);
  }

  async update(manager: EntityManager, id: string, patch: Partial<WebhookEndpointEntity>): Promise<void> {
    await manager.getRepository(WebhookEndpointEntity).update({ id }, patch);
  }

  /**
   * Puts `secret` in place and keeps the one it replaces as `previous_secret` until `overlapUntil` (null:
   * none kept), in one statement (the row's own value moves, so two rotations at once cannot lose one);
   * returns whether the endpoint exists.
   */
  async rotateSecret(
    manager: EntityManager,
    id: string,
    secret: string,
    overlapUntil: Date | null,
    now: Date,
  ): Promise<boolean> {
    const previous = overlapUntil ? 'secret' : 'NULL';
    const rows = await query(
      manager,
      `UPDATE webhook_endpoints SET previous_secret = ${previous}, previous_secret_expires_at = $1, secret = $2,
         updated_at = $3 WHERE id = $4 RETURNING id`,
      [overlapUntil, secret, now, id],
    );
    return rows.length > 0;
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(WebhookEndpointEntity).delete({ id });
  }

  /** Disables an endpoint that answered 410 Gone (one statement, outside any transaction). */
  async disable(id: string, reason: string): Promise<void> {
    await this.endpoints.update({ id, enabled: true }, { enabled: false, disabledReason: reason });
  }
}
