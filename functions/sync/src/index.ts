import { http } from '@google-cloud/functions-framework';
import { handleSync } from './handlers';

/** Entry point of the `sync` Cloud Function: Insomnia's version control over GraphQL. */
http('sync', handleSync);

export { handleSync };
