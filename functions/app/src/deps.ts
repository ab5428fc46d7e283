import { getPool } from '@somnus/db';
import { orgConfig, systemClock, type BaseDeps, type OrgConfig } from '@somnus/runtime';
import { readGitOAuthConfig, type GitOAuthConfig } from './git-oauth-config';

export interface AppDeps extends BaseDeps {
  org: OrgConfig;
  /** Read per request (a small JSON value), so a test or an operator's change is seen at once. */
  gitOAuth: GitOAuthConfig;
}

export const appDeps = (): AppDeps => ({ db: getPool(), clock: systemClock, org: orgConfig(), gitOAuth: readGitOAuthConfig() });
