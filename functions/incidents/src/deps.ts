import { getPool } from '@somnus/db';
import { systemClock, type BaseDeps } from '@somnus/runtime';

/** `incidents` touches the database (incidents, recipients, outbox) and publishes; it sends no mail itself. */
export type IncidentsDeps = BaseDeps;

export const incidentsDeps = (): IncidentsDeps => ({ db: getPool(), clock: systemClock });
