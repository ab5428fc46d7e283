import { http } from '@google-cloud/functions-framework';
import { handleAuth } from './handlers';

/** Entry point of the `auth` Cloud Function: signup, SRP login, sessions, passphrase change. */
http('auth', handleAuth);

export { handleAuth };
