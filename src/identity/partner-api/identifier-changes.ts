import { Inject, Injectable } from '@nestjs/common';
import { databaseErrorCode } from '../../common/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { TransactionService } from '../../database/transaction.service';
import { ProfileStore } from '../profile-store';

/** One PATCH /identity change: an identifier's type, its old and new value, the new value's suppression hash. */
export interface IdentifierChange {
  type: string;
  from: string;
  to: string;
  toHash: string;
}

interface Waiting extends IdentifierChange {
  /** `type` and `from`, for keeping two changes of one old value apart */
  key: string;
  resolve: (profileId: string | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Statements of PATCH changes one process runs at once, at most (and at most half the pool, at least
 * one); the changes that arrive meanwhile wait, together. With 2, 4 or 8 the bench's PATCH read 97–145 %
 * of its floor; with 16, too few changes shared a statement (74 %; README, Benchmarks).
 */
export const CHANGE_STATEMENTS_AT_ONCE = 4;
/** Changes in one statement at most. */
export const CHANGES_PER_STATEMENT = 100;

/**
 * PATCH /identity's writes on PostgreSQL, coalesced (group commit): at most CHANGE_STATEMENTS_AT_ONCE
 * statements run at once (fewer with a small pool), and the changes that arrive while they run go
 * together in the next one (ProfileStore.changeIdentifierValues: one UPDATE of an `unnest` of them, one
 * commit). A change that finds a statement free runs alone, in PATCH's one-change statement, as before: a
 * lone client waits for nothing. Under load, PostgreSQL parses, plans, executes and commits once for many
 * changes, and this process makes one round trip for them: the PATCH's cost a request falls with the load.
 *
 * Each change keeps its own answer. The statement is all or none, so a change whose new value another
 * profile holds (a unique violation) fails it: then nothing of it happened, and every change of it runs
 * again alone, each getting its own answer (the taken one its error, the others their success). The same
 * for anything else PostgreSQL refuses (a deadlock with a concurrent statement over the same identifiers).
 * A statement that got no connection in time, or lost it, gives each of its changes that error, as each
 * would get alone. A change of an old value that a running or earlier waiting change also changes waits
 * for it, so changes of one identifier run one after the other, in order.
 *
 * Only for changes that need no transaction of their own (no webhook endpoint wants the event in it).
 */
@Injectable()
export class IdentifierChanges {
  private waiting: Waiting[] = [];
  private running = 0;
  /** the old values (`key`) of the changes the running statements make */
  private readonly busy = new Set<string>();
  private readonly atOnce: number;

  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.atOnce = Math.max(1, Math.min(CHANGE_STATEMENTS_AT_ONCE, Math.floor(config.database.poolSize / 2)));
  }

  /** The profile whose identifier changed, or null when the old value is unknown or the new one suppressed. */
  change(change: IdentifierChange): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const { type, from, to, toHash } = change;
      this.waiting.push({ type, from, to, toHash, key: `${type}\u0000${from}`, resolve, reject });
      this.start();
    });
  }

  private start(): void {
    while (this.running < this.atOnce && this.waiting.length) {
      const next = this.next();
      if (!next.length) return; // every waiting change waits for an earlier change of its old value
      this.running++;
      void this.write(next).finally(() => {
        for (const c of next) this.busy.delete(c.key);
        this.running--;
        this.start();
      });
    }
  }

  /**
   * The oldest waiting changes, at most CHANGES_PER_STATEMENT, no two of one old value, and none of an
   * old value a running statement changes: changes of one old value run one after the other, in order.
   */
  private next(): Waiting[] {
    const taken: Waiting[] = [];
    const left: Waiting[] = [];
    for (const change of this.waiting) {
      if (taken.length < CHANGES_PER_STATEMENT && !this.busy.has(change.key)) {
        this.busy.add(change.key);
        taken.push(change);
      } else left.push(change);
    }
    this.waiting = left;
    return taken;
  }

  private async write(changes: Waiting[]): Promise<void> {
    if (changes.length > 1) {
      try {
        const owners = await this.store.changeIdentifierValues(this.tx.manager, changes);
        changes.forEach((c, i) => c.resolve(owners[i]));
        return;
      } catch (error) {
        if (!refusedByDatabase(error)) {
          // no connection in time, or it was lost: what happened is unknown, and so is what running the
          // changes again would find; each gets this error, as it would alone
          for (const c of changes) c.reject(error);
          return;
        }
        // PostgreSQL refused the statement, so nothing of it happened: each change alone, below, gets its own answer
      }
    }
    await Promise.all(
      changes.map((c) =>
        this.store.changeIdentifierValue(this.tx.manager, c.type, c.from, c.to, c.toHash).then(c.resolve, c.reject),
      ),
    );
  }
}

/** An error PostgreSQL answered to the statement (a SQLSTATE: a unique violation, a deadlock, …): it did not run. */
function refusedByDatabase(error: unknown): boolean {
  return /^[0-9A-Z]{5}$/.test(databaseErrorCode(error) ?? '');
}
