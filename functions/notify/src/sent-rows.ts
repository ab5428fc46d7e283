import { markManySent, type Queryable } from '@somnus/db';

/**
 * Waits before trying a failed statement again (a dropped connection, a failover): its emails went out, and a
 * row not settled is sent a second time once its claim expires. About 1.3 s in all, well inside the lease.
 */
const RETRY_DELAYS_MS = [50, 250, 1000];

/**
 * Settles the rows of one delivery as `sent` as soon as SMTP took them, a few at a time: the rows whose
 * sends finished while the previous statement was running go together in the next one. So a row spends
 * one statement's time, not the whole delivery's, between the SMTP server's 250 and its commit — the window
 * in which a killed instance would send the email again after the lease (docs/architecture.md §11.3).
 */
export class SentRows {
  private pending: { id: string; done: (settled: boolean) => void; failed: (err: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly db: Queryable,
    private readonly token: string,
  ) {}

  /** True once the row is settled; false when its claim was taken over meanwhile; rejects when the database fails. */
  settle(id: string): Promise<boolean> {
    return new Promise((done, failed) => {
      this.pending.push({ id, done, failed });
      if (!this.running) {
        this.running = true;
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    // the check of `pending` and the reset of `running` happen in one turn, so a row added meanwhile is never left behind
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        const settled = await this.markSent(batch.map((p) => p.id));
        for (const p of batch) p.done(settled.has(p.id));
      } catch (err) {
        for (const p of batch) p.failed(err);
      }
    }
    this.running = false;
  }

  /**
   * One statement, tried again a few times when it fails. Trying again is safe: only rows still claimed with
   * this token are settled. (Had the failed try committed after all, its rows read as taken over: a warning
   * too many, never an email.)
   */
  private async markSent(ids: readonly string[]): Promise<Set<string>> {
    for (let i = 0; ; i++) {
      try {
        return await markManySent(this.db, ids, this.token);
      } catch (err) {
        if (i >= RETRY_DELAYS_MS.length) throw err;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[i]));
      }
    }
  }
}
