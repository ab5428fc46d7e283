import { countSourceRequest } from '@somnus/db';
import { fail, logger, ok, rateLimited, requestRetryAfter, type Anonymous, type Result } from '@somnus/runtime';
import type { AppDeps } from '../deps';

/** GitHub's token endpoint answers within seconds or not at all: the app's own request times out at 30 s. */
const GITHUB_TIMEOUT_MS = 10_000;
/**
 * Code exchanges per source and hour. A person signs in to GitHub a few times a day; the limit keeps anyone
 * from spending the operator's OAuth App (and this function) on junk codes.
 */
export const MAX_CODE_EXCHANGES_PER_IP = 30;
const CODE_EXCHANGE_WINDOW_SECONDS = 60 * 60;

/** A token answer is a few hundred bytes; anything much larger is not GitHub's. */
const MAX_TOKEN_ANSWER_BYTES = 16 * 1024;

const notConfigured = (what: string) => fail<never>('GIT_OAUTH_NOT_CONFIGURED', `This Somnus server offers no ${what} sign-in: its operator configured no OAuth App`);

/**
 * The body of GitHub's answer as JSON, read up to MAX_TOKEN_ANSWER_BYTES; null when it is larger or not JSON.
 */
async function readSmallJson(res: Response): Promise<unknown> {
  const reader = res.body?.getReader();
  if (!reader) return null;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_TOKEN_ANSWER_BYTES) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/**
 * `POST /v1/oauth/github {code}`: the code the app received through the sign-in page, exchanged with
 * GitHub for a token with the client secret only the server holds (docs/protocol.md §6a). The token goes
 * to the app and nowhere else: not stored, not logged. The request carrying the client secret follows no
 * redirect (a 307 would re-send it, secret and all, wherever the Location says), and GitHub's own words are
 * not passed on: the app is told what happened in ours.
 */
export async function exchangeGithubCode(deps: AppDeps, actor: Anonymous, input: { code: string }): Promise<Result<{ access_token: string }>> {
  const config = deps.gitOAuth();
  if (!config.ok) return config;
  const github = config.value.github;
  if (!github) return notConfigured('GitHub');
  if (actor.meta.ip) {
    const count = await countSourceRequest(deps.db, { scope: 'github-code:ip', ip: actor.meta.ip, windowSeconds: CODE_EXCHANGE_WINDOW_SECONDS });
    const wait = requestRetryAfter(count, MAX_CODE_EXCHANGES_PER_IP, deps.clock.now());
    if (wait !== null) return rateLimited(wait, 'Too many GitHub sign-ins from this address; try again later');
  }
  let answer: unknown;
  try {
    const res = await fetch(new URL('/login/oauth/access_token', github.baseUrl), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: github.clientId, client_secret: github.clientSecret, code: input.code }),
      redirect: 'error',
      signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
    });
    if (!res.ok) {
      await res.body?.cancel();
      logger().warn({ event: 'github_oauth_upstream', status: res.status }, 'GitHub token endpoint refused the exchange');
      return fail('BAD_GATEWAY', `GitHub answered ${res.status} to the code exchange`);
    }
    answer = await readSmallJson(res);
  } catch (err) {
    logger().warn({ event: 'github_oauth_upstream', reason: (err as Error).name }, 'GitHub token endpoint unreachable or redirecting');
    return fail('BAD_GATEWAY', 'GitHub could not be reached to exchange the code; try again');
  }
  const fields = typeof answer === 'object' && answer !== null ? (answer as { access_token?: unknown; error?: unknown }) : {};
  // GitHub reports a bad, used or expired code as 200 {error: 'bad_verification_code', …}
  if (typeof fields.error === 'string') return fail('INVALID_CODE', 'GitHub refused the code (used, expired or not issued for this app); sign in again');
  if (typeof fields.access_token !== 'string' || !fields.access_token) return fail('BAD_GATEWAY', 'GitHub answered without a token');
  return ok({ access_token: fields.access_token });
}

/** `GET /v1/oauth/gitlab/config`: the app runs PKCE against GitLab itself; the server only names the application. */
export async function gitlabConfig(deps: AppDeps): Promise<Result<{ applicationId: string; redirectUri: string }>> {
  const config = deps.gitOAuth();
  if (!config.ok) return config;
  const gitlab = config.value.gitlab;
  return gitlab ? ok({ applicationId: gitlab.applicationId, redirectUri: gitlab.redirectUri }) : notConfigured('GitLab');
}

/** The scopes Insomnia's GitHub sign-in asks for (git sync): the sign-in page asks GitHub for these and no others. */
export const GITHUB_SCOPES = ['repo', 'read:user', 'user:email'] as const;

/**
 * `GET /oauth/github?state&scope`: the page the app opens in the browser, which sends it on to GitHub's
 * authorize page with the operator's client id. `state` is the app's; it comes back unchanged. Of the
 * scopes asked, only git sync's are passed on: the operator's app must not be a way to ask GitHub users
 * for more (admin:org, delete_repo) under the operator's name.
 */
export async function githubSignIn(deps: AppDeps, input: { state: string; scope?: string }): Promise<Result<{ location: string }>> {
  const config = deps.gitOAuth();
  if (!config.ok) return config;
  const github = config.value.github;
  if (!github) return notConfigured('GitHub');
  const asked = (input.scope ?? '').split(/[\s,]+/).filter((s) => (GITHUB_SCOPES as readonly string[]).includes(s));
  const to = new URL('/login/oauth/authorize', github.baseUrl);
  to.searchParams.set('client_id', github.clientId);
  to.searchParams.set('scope', (asked.length ? [...new Set(asked)] : GITHUB_SCOPES).join(' '));
  to.searchParams.set('state', input.state);
  return ok({ location: to.toString() });
}

/**
 * `GET /oauth/<provider>/callback?code&state`: the provider's return, handed to the app as its deep link.
 * A user who declined (GitHub sends `error=access_denied` and no code) is told so in words, not sent to
 * the app with nothing to exchange.
 */
function callback(provider: 'github' | 'gitlab', input: { code?: string; state: string; error?: string }): Result<{ location: string }> {
  const name = provider === 'github' ? 'GitHub' : 'GitLab';
  if (!input.code) return fail('VALIDATION_ERROR', `${name} did not sign you in (declined, or the link is incomplete): close this page and start again from Insomnia`);
  const to = new URL(`insomnia://oauth/${provider}/authenticate`);
  to.searchParams.set('code', input.code);
  to.searchParams.set('state', input.state);
  return ok({ location: to.toString() });
}

export async function githubCallback(deps: AppDeps, input: { code?: string; state: string; error?: string }): Promise<Result<{ location: string }>> {
  const config = deps.gitOAuth();
  if (!config.ok) return config;
  if (!config.value.github) return notConfigured('GitHub');
  return callback('github', input);
}

/**
 * `GET /oauth/gitlab/callback?code&state`: the redirect URI to register with the GitLab application
 * (`https://<domain>/oauth/gitlab/callback`); the app runs PKCE with GitLab and receives the code here.
 */
export async function gitlabCallback(deps: AppDeps, input: { code?: string; state: string; error?: string }): Promise<Result<{ location: string }>> {
  const config = deps.gitOAuth();
  if (!config.ok) return config;
  if (!config.value.gitlab) return notConfigured('GitLab');
  return callback('gitlab', input);
}
