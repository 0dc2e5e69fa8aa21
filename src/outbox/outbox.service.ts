import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../database/columns';
import { OutboxHandler } from './outbox-handler';
import { OUTBOX_KINDS, OutboxKind } from './outbox.entity';
import { OutboxRowView, OutboxStore } from './outbox-store';

export interface EnqueueOptions {
  /** whom the row is about (`user:<id>`, …), so that erasing that person deletes it: see forgetSubject */
  subjectKey?: string;
  /** not before this time (default: as soon as a worker polls) */
  notBefore?: Date;
}

/** Payloads are small (a composed mail, a thin webhook event); this bounds a mistake. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * The transactional outbox: `enqueue` writes a row in the caller's transaction, so a change and the
 * mail or webhook it causes commit (or roll back) together; the OutboxWorker delivers it afterwards,
 * through the handler registered for its kind.
 */
@Injectable()
export class OutboxService {
  private readonly handlers = new Map<OutboxKind, OutboxHandler>();

  constructor(private readonly store: OutboxStore) {}

  /** Registers the handler of a kind (once, at module init). */
  register<P>(handler: OutboxHandler<P>): void {
    if (!OUTBOX_KINDS.includes(handler.kind)) throw new Error(`Unknown outbox kind "${handler.kind}"`);
    if (this.handlers.has(handler.kind))
      throw new Error(`An outbox handler for "${handler.kind}" is already registered`);
    this.handlers.set(handler.kind, handler);
  }

  handler(kind: OutboxKind): OutboxHandler | undefined {
    return this.handlers.get(kind);
  }

  /** The kinds this instance can deliver: its worker claims only those. */
  kinds(): OutboxKind[] {
    return [...this.handlers.keys()];
  }

  /**
   * Queues a delivery with `manager`, the EntityManager of the transaction that causes it (one INSERT, no
   * network). Returns the row id. A kind without a handler, or a payload that is not small JSON, is a
   * programming error and throws.
   */
  async enqueue(
    manager: EntityManager,
    kind: OutboxKind,
    payload: unknown,
    options: EnqueueOptions = {},
  ): Promise<string> {
    if (!this.handlers.has(kind)) throw new Error(`No outbox handler is registered for "${kind}"`);
    const json = JSON.stringify(payload);
    if (json === undefined) throw new Error('An outbox payload must be JSON');
    if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES)
      throw new Error(`An outbox payload is limited to ${MAX_PAYLOAD_BYTES} bytes`);
    const subjectKey = options.subjectKey ?? null;
    if (subjectKey !== null && (subjectKey.length === 0 || subjectKey.length > 128))
      throw new Error('An outbox subject key is 1 to 128 characters');
    const id = newId();
    const now = new Date();
    await this.store.insert(manager, {
      id,
      kind,
      payload: json,
      subjectKey,
      nextAttemptAt: options.notBefore ?? now,
      createdAt: now,
    });
    return id;
  }

  /**
   * Queues several deliveries of one kind in one multi-row INSERT, with the change's `manager`. Each
   * item may name its `targetId` (a webhook endpoint) for the delivery log. Returns the row ids.
   */
  async enqueueMany(
    manager: EntityManager,
    kind: OutboxKind,
    items: readonly { payload: unknown; subjectKey?: string | null; targetId?: string | null }[],
  ): Promise<string[]> {
    if (!items.length) return [];
    if (!this.handlers.has(kind)) throw new Error(`No outbox handler is registered for "${kind}"`);
    const now = new Date();
    const rows = items.map((item) => {
      const json = JSON.stringify(item.payload);
      if (json === undefined || Buffer.byteLength(json) > MAX_PAYLOAD_BYTES)
        throw new Error(`An outbox payload is JSON of at most ${MAX_PAYLOAD_BYTES} bytes`);
      return {
        id: newId(),
        kind,
        payload: json,
        subjectKey: item.subjectKey ?? null,
        targetId: item.targetId ?? null,
        nextAttemptAt: now,
        createdAt: now,
      };
    });
    await this.store.insertMany(manager, rows);
    return rows.map((r) => r.id);
  }

  /** A delivery log: the rows of `kind`, newest first. */
  list(
    kind: OutboxKind,
    filter: { targetId?: string | null; status?: string | null; id?: string | null },
    take: number,
    skip: number,
  ): Promise<OutboxRowView[]> {
    return this.store.list(kind, filter, take, skip);
  }

  /** A manual retry of a final row: due now, with a fresh schedule. */
  requeue(kind: OutboxKind, id: string): Promise<boolean> {
    return this.store.requeue(kind, id, new Date());
  }

  /** Deletes every queued, sent or failed row about `subjectKey` (erasure), in the caller's transaction. */
  forgetSubject(manager: EntityManager, subjectKey: string): Promise<number> {
    return this.store.deleteBySubject(manager, subjectKey);
  }
}
