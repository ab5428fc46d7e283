import { http } from '@google-cloud/functions-framework';
import { handleIncidents } from './handlers';

/** Entry point of the private `incidents` Cloud Function: operators' breach incidents and the outbox sweeper. */
http('incidents', handleIncidents);

export { handleIncidents };
