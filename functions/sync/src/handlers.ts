import { defineFunction } from '@somnus/runtime';
import { syncDeps } from './deps';
import { executeGraphql } from './use-cases/execute-graphql';

/** One route: the runtime has checked the session and the envelope; GraphQL does the rest. */
export const handleSync = defineFunction('sync', {
  deps: syncDeps,
  handlers: {
    'POST /graphql': ({ deps, actor, body }) => executeGraphql(deps, actor, body),
  },
});
