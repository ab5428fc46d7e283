import { defineFunction } from '@somnus/runtime';
import { keysDeps } from './deps';
import { historySigningKey, keyHistoryOf } from './use-cases/key-history';
import { ownKeys } from './use-cases/own-keys';
import { profile } from './use-cases/profile';
import { publicKeyOf } from './use-cases/public-key';

/** Thin handlers: the runtime has checked access and input against each route's contract. */
export const handleKeys = defineFunction('keys', {
  deps: keysDeps,
  handlers: {
    'GET /v1/keys': ({ deps, actor }) => ownKeys(deps, actor),
    'GET /v1/keys/accounts/:accountId': ({ deps, actor, params }) => publicKeyOf(deps, actor, { accountId: params.accountId }),
    'GET /v1/keys/accounts/:accountId/history': ({ deps, actor, params }) => keyHistoryOf(deps, actor, { accountId: params.accountId }),
    'GET /v1/keys/history-signing-key': ({ deps }) => historySigningKey(deps),
    'GET /v1/user/profile': ({ deps, actor }) => profile(deps, actor),
  },
});
