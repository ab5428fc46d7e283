import { getPool } from '@somnus/db';
import { systemClock, type BaseDeps } from '@somnus/runtime';

/** Sync stores what clients encrypted: it needs the database and nothing secret. */
export type SyncDeps = BaseDeps;

export const syncDeps = (): SyncDeps => ({ db: getPool(), clock: systemClock });
