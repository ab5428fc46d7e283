import { http } from '@google-cloud/functions-framework';
import { handleKeys } from './handlers';

/** Entry point of the `keys` Cloud Function: the caller's key material and profile, co-members' public keys. */
http('keys', handleKeys);

export { handleKeys };
