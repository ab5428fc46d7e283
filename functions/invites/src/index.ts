import { http } from '@google-cloud/functions-framework';
import { handleInvites } from './handlers';

/** Entry point of the `invites` Cloud Function: organizations, members, roles, invites and key sharing. */
http('invites', handleInvites);

export { handleInvites };
