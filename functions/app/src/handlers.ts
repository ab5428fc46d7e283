import { defineFunction, ok } from '@somnus/runtime';
import { appDeps } from './deps';
import { currentPlan } from './use-cases/current-plan';
import { serveWeb } from './use-cases/serve-web';
import { exchangeGithubCode, githubCallback, githubSignIn, gitlabCallback, gitlabConfig } from './use-cases/github-oauth';

/** Thin handlers: the runtime has checked access and input against each route's contract. */
export const handleApp = defineFunction('app', {
  deps: appDeps,
  handlers: {
    'GET /v1/billing/current-plan': ({ deps, actor }) => currentPlan(deps, actor),
    // Somnus has no notifications to push to apps: `null` is the client's "none"
    'POST /notification': async () => ok(null),
    // Telemetry is accepted so the app's fire-and-forget call succeeds, and dropped: nothing is read or stored
    'POST /v1/telemetry/': async () => ok({ ok: true as const }),
    'POST /v1/oauth/github': ({ deps, actor, body }) => exchangeGithubCode(deps, actor, body),
    'GET /v1/oauth/gitlab/config': ({ deps }) => gitlabConfig(deps),
    'GET /oauth/github': ({ deps, query }) => githubSignIn(deps, query),
    'GET /oauth/github/callback': ({ deps, query }) => githubCallback(deps, query),
    'GET /oauth/gitlab/callback': ({ deps, query }) => gitlabCallback(deps, query),
    // the account web app's pages and assets (docs/architecture.md §13)
    'GET /app/*': ({ deps, path, search }) => serveWeb(deps, { path, search }),
  },
});
