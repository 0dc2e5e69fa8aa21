import { OutboxKind } from './outbox.entity';

/** One claimed row, as its handler sees it. */
export interface OutboxDelivery<P = unknown> {
  id: string;
  kind: OutboxKind;
  payload: P;
  /** 1 for the first attempt */
  attempt: number;
}

/**
 * Delivers the rows of one kind (the mail module registers `mail`; webhooks will register `webhook`).
 * `deliver` runs outside any transaction; it resolves when delivered, throws to be retried after the
 * next delay of `retryDelaysMs`, or throws a PermanentDeliveryError when retrying cannot help.
 */
export interface OutboxHandler<P = unknown> {
  readonly kind: OutboxKind;
  /** delays before the 2nd, 3rd, … attempt: n delays allow n + 1 attempts */
  readonly retryDelaysMs: readonly number[];
  deliver(delivery: OutboxDelivery<P>): Promise<void>;
  /** a short description for log lines (e.g. the mail's template); never a link, a body or a secret */
  label?(payload: P): string;
  /** the error as it may be stored and logged (default: describeError without extra secrets) */
  describeError?(error: unknown): string;
  /** what of the payload to keep once the row is `sent` or `failed` (default: all of it) */
  finalPayload?(payload: P): unknown;
}
