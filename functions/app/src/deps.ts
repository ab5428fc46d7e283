import { getPool } from '@somnus/db';
import { fail, logger, ok, orgConfig, systemClock, type BaseDeps, type OrgConfig, type Result } from '@somnus/runtime';
import { readGitOAuthConfig, type GitOAuthConfig } from './git-oauth-config';
import type { WebDeps } from './use-cases/serve-web';
import { locateWebDist } from './web-dist';

export interface AppDeps extends BaseDeps, WebDeps {
  org: OrgConfig;
  /**
   * Read when a git sign-in route asks (a small JSON value, so an operator's change is seen at once), and
   * only then: a mistake in it must not take the startup calls (current-plan, notification) down with it.
   */
  gitOAuth: () => Result<GitOAuthConfig>;
}

function gitOAuth(): Result<GitOAuthConfig> {
  try {
    return ok(readGitOAuthConfig());
  } catch (err) {
    // the reader names the field at fault, never a value
    logger().error({ event: 'git_oauth_config_invalid', reason: (err as Error).message }, 'SOMNUS_GIT_OAUTH does not parse');
    return fail('GIT_OAUTH_NOT_CONFIGURED', 'This server’s git sign-in is misconfigured: its operator must fix SOMNUS_GIT_OAUTH');
  }
}

export const appDeps = (): AppDeps => ({
  // the pool is made at first use: the web app's pages are served without a database (and without DATABASE_URL)
  get db() {
    return getPool();
  },
  clock: systemClock,
  get org() {
    return orgConfig();
  },
  gitOAuth,
  webDist: () => locateWebDist().dir,
});
