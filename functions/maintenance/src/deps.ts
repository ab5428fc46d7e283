import { getPool } from '@somnus/db';
import { systemClock, type BaseDeps } from '@somnus/runtime';

/** Cleanup only deletes rows that expired by the database clock: no secret, no mail. */
export type MaintenanceDeps = BaseDeps;

export const maintenanceDeps = (): MaintenanceDeps => ({ db: getPool(), clock: systemClock });
