import { defineFunction } from '@somnus/runtime';
import { syncDeps } from './deps';
import { executeGraphql } from './use-cases/execute-graphql';
import { collaborators, userFiles } from './use-cases/presence';

/** GraphQL, and the two REST calls of the clients' sync screens; the runtime has checked access and input. */
export const handleSync = defineFunction('sync', {
  deps: syncDeps,
  handlers: {
    'POST /graphql': ({ deps, actor, body }) => executeGraphql(deps, actor, body),
    'GET /v1/user/files': ({ deps, actor }) => userFiles(deps, actor),
    'POST /v1/organizations/:orgId/collaborators': ({ deps, actor, body }) => collaborators(deps, actor, body),
  },
});
