import { chunked, isPostgres, query } from '../database/sql';
import { TransactionService } from '../database/transaction.service';

/** Tables whose rows carry a `last_used_at` written in batches. */
export type LastUsedTable = 'api_tokens' | 'sessions';

/**
 * When credentials were last used, without a write per request: `touch` records a use in memory (a map
 * set, nothing else), and `flush` writes every use recorded since the last flush in one statement per
 * batch of ids. A value never moves back (another instance may have written a later one); a failed write
 * puts its values back for the next flush, unless a newer use was recorded meanwhile.
 */
export class LastUsedBatch {
  private pending = new Map<string, Date>();

  constructor(readonly table: LastUsedTable) {}

  touch(id: string, at = new Date()): void {
    this.pending.set(id, at);
  }

  get size(): number {
    return this.pending.size;
  }

  /** The uses recorded since the last call, handed over (the batch starts again empty). */
  take(): Map<string, Date> {
    const taken = this.pending;
    this.pending = new Map();
    return taken;
  }

  /** Puts back what a failed write took, unless a newer use was recorded since. */
  restore(taken: ReadonlyMap<string, Date>): void {
    for (const [id, at] of taken) {
      const newer = this.pending.get(id);
      if (!newer || newer < at) this.pending.set(id, at);
    }
  }

  /** Writes the recorded uses: one UPDATE per batch of up to 1,000 ids. */
  async flush(tx: TransactionService): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = this.take();
    try {
      for (const chunk of chunked([...taken])) await tx.single((manager) => this.write(manager, chunk));
    } catch (error) {
      this.restore(taken);
      throw error;
    }
  }

  private async write(manager: Parameters<typeof query>[0], rows: [string, Date][]): Promise<void> {
    // PostgreSQL must be told the types of a VALUES list of parameters; SQLite has no such types.
    const pg = isPostgres(manager);
    const values = rows.map((_, i) =>
      pg ? `($${2 * i + 1}::varchar, $${2 * i + 2}::timestamp)` : `($${2 * i + 1}, $${2 * i + 2})`,
    );
    const t = this.table;
    await query(
      manager,
      `WITH used (id, at) AS (VALUES ${values.join(', ')})
       UPDATE ${t} SET last_used_at = used.at FROM used
       WHERE ${t}.id = used.id AND (${t}.last_used_at IS NULL OR ${t}.last_used_at < used.at)`,
      rows.flat(),
    );
  }
}
