import { http } from '@google-cloud/functions-framework';
import { handleMaintenance } from './handlers';

/** Entry point of the private `maintenance` Cloud Function: scheduled cleanups, invoked by Cloud Scheduler only. */
http('maintenance', handleMaintenance);

export { handleMaintenance };
