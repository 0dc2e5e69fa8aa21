import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../database/columns';
import { OutboxHandler } from './outbox-handler';
import { OUTBOX_KINDS, OutboxKind } from './outbox.entity';
import { OutboxStore } from './outbox-store';

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

  /** Deletes every queued, sent or failed row about `subjectKey` (erasure), in the caller's transaction. */
  forgetSubject(manager: EntityManager, subjectKey: string): Promise<number> {
    return this.store.deleteBySubject(manager, subjectKey);
  }
}
