import { cloudEvent } from '@google-cloud/functions-framework';
import { handleNotify } from './handlers';

/** Entry point of the Pub/Sub-triggered `notify` Cloud Function: every email Somnus sends, once. */
cloudEvent('notify', handleNotify);

export { handleNotify };
