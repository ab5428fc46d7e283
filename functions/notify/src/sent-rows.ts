import { markManySent, type Queryable } from '@somnus/db';

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
        const settled = await markManySent(this.db, batch.map((p) => p.id), this.token);
        for (const p of batch) p.done(settled.has(p.id));
      } catch (err) {
        for (const p of batch) p.failed(err);
      }
    }
    this.running = false;
  }
}
