import { getPool } from '@somnus/db';
import { systemClock, type BaseDeps } from '@somnus/runtime';

/** keys reads key material as clients stored it: it needs no server secret and sends no mail. */
export type KeysDeps = BaseDeps;

export const keysDeps = (): KeysDeps => ({ db: getPool(), clock: systemClock });
