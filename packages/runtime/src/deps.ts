import type { Pool } from 'pg';

/** Time as a dependency: expiry rules read it, and a test can hold it still. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What every use case may touch; each function's deps add its mailer and config slice. */
export interface BaseDeps {
  db: Pool;
  clock: Clock;
}
