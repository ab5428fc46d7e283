/**
 * How many sends one instance has started and not finished. A delivery takes a slot before each send and
 * gives it back after: the SMTP pool never has more than a few sends queued, so a send's deadline
 * (SMTP_SEND_DEADLINE_MS, counted from the moment it starts) measures the SMTP server, not a queue of
 * other deliveries' emails behind it. Waiting for a slot has its own bound, the delivery's send budget:
 * an email whose turn has not come by then is not tried, and its row is given back for the next delivery.
 */
export class SendSlots {
  private free: number;
  private readonly waiting: { until: number; first: boolean; grant: () => void; expire: () => void }[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('SendSlots needs at least one slot');
    this.free = size;
  }

  /**
   * A slot, as the function that gives it back; null when none came free before `until`
   * (a time in performance.now() milliseconds). Past `until` there is no slot even when one is free: the
   * claim's lease counts on every send starting within the budget (functions/notify/src/deps.ts), and a
   * row may get here late (its rendering or its reset request's decision waited on the database).
   * `first`: served before the waiters that are not (in order among themselves) — an email someone is
   * waiting for, a code or an invitation, must not queue behind the breach notices of the instance's batches.
   */
  acquire(until: number, opts: { first?: boolean } = {}): Promise<(() => void) | null> {
    const first = opts.first === true;
    const wait = until - performance.now();
    if (wait <= 0) return Promise.resolve(null);
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const entry = {
        until,
        first,
        grant: () => {
          clearTimeout(timer);
          resolve(this.releaser());
        },
        expire: () => {
          clearTimeout(timer);
          resolve(null);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(null);
      }, wait);
      const behind = first ? this.waiting.findIndex((w) => !w.first) : -1;
      if (behind >= 0) this.waiting.splice(behind, 0, entry);
      else this.waiting.push(entry);
    });
  }

  /** Slots in use and deliveries waiting for one (for tests and logs). */
  get load(): { busy: number; waiting: number } {
    return { busy: this.size - this.free, waiting: this.waiting.length };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // handed straight to the next in line whose budget is not spent: the slot is never free while
      // someone waits. A waiter's timer may not have run yet though its budget is over (a busy event loop):
      // it gets no slot
      const now = performance.now();
      for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
        if (next.until > now) return next.grant();
        next.expire();
      }
      this.free++;
    };
  }
}

let shared: SendSlots | null = null;

/** The instance's slots (one SMTP pool per instance, so one set of slots), made with the first size asked for. */
export function sendSlotsOf(size: number): SendSlots {
  if (!shared || shared.size !== size) {
    if (shared && (shared.load.busy > 0 || shared.load.waiting > 0)) return shared;
    shared = new SendSlots(size);
  }
  return shared;
}
