import { fail, logger, ok, type Result } from '@somnus/runtime';
import type { AppDeps } from '../deps';

/** GitHub's token endpoint answers within seconds or not at all: the app's own request times out at 30 s. */
const GITHUB_TIMEOUT_MS = 10_000;

const notConfigured = (what: string) => fail<never>('GIT_OAUTH_NOT_CONFIGURED', `This Somnus server offers no ${what} sign-in: its operator configured no OAuth App`);

/**
 * `POST /v1/oauth/github {code}`: the code the app received through the sign-in page, exchanged with
 * GitHub for a token with the client secret only the server holds (docs/protocol.md §6a). The token goes
 * to the app and nowhere else: not stored, not logged.
 */
export async function exchangeGithubCode(deps: AppDeps, input: { code: string }): Promise<Result<{ access_token: string }>> {
  const github = deps.gitOAuth.github;
  if (!github) return notConfigured('GitHub');
  let answer: { access_token?: unknown; error?: unknown };
  try {
    const res = await fetch(new URL('/login/oauth/access_token', github.baseUrl), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: github.clientId, client_secret: github.clientSecret, code: input.code }),
      signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
    });
    if (!res.ok) {
      logger().warn({ event: 'github_oauth_upstream', status: res.status }, 'GitHub token endpoint refused the exchange');
      return fail('BAD_GATEWAY', `GitHub answered ${res.status} to the code exchange`);
    }
    answer = (await res.json()) as typeof answer;
  } catch (err) {
    logger().warn({ event: 'github_oauth_upstream', reason: (err as Error).name }, 'GitHub token endpoint unreachable');
    return fail('BAD_GATEWAY', 'GitHub could not be reached to exchange the code; try again');
  }
  // GitHub reports a bad, used or expired code as 200 {error: 'bad_verification_code', …}
  if (typeof answer.error === 'string') return fail('INVALID_CODE', `GitHub refused the code (${answer.error.slice(0, 64)}); sign in again`);
  if (typeof answer.access_token !== 'string' || !answer.access_token) return fail('BAD_GATEWAY', 'GitHub answered without a token');
  return ok({ access_token: answer.access_token });
}

/** `GET /v1/oauth/gitlab/config`: the app runs PKCE against GitLab itself; the server only names the application. */
export async function gitlabConfig(deps: AppDeps): Promise<Result<{ applicationId: string; redirectUri: string }>> {
  const gitlab = deps.gitOAuth.gitlab;
  return gitlab ? ok({ applicationId: gitlab.applicationId, redirectUri: gitlab.redirectUri }) : notConfigured('GitLab');
}

/**
 * `GET /oauth/github?state&scope`: the page the app opens in the browser, which sends it on to GitHub's
 * authorize page with the operator's client id. `state` is the app's; it comes back unchanged.
 */
export async function githubSignIn(deps: AppDeps, input: { state: string; scope?: string }): Promise<Result<{ location: string }>> {
  const github = deps.gitOAuth.github;
  if (!github) return notConfigured('GitHub');
  const to = new URL('/login/oauth/authorize', github.baseUrl);
  to.searchParams.set('client_id', github.clientId);
  to.searchParams.set('scope', input.scope ?? 'repo read:user user:email');
  to.searchParams.set('state', input.state);
  return ok({ location: to.toString() });
}

/** `GET /oauth/github/callback?code&state`: GitHub's return, handed to the app as its deep link. */
export async function githubCallback(deps: AppDeps, input: { code: string; state: string }): Promise<Result<{ location: string }>> {
  if (!deps.gitOAuth.github) return notConfigured('GitHub');
  const to = new URL('insomnia://oauth/github/authenticate');
  to.searchParams.set('code', input.code);
  to.searchParams.set('state', input.state);
  return ok({ location: to.toString() });
}
