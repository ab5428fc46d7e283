import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SELF_HOSTED_PLAN, currentPlanResponse } from '@somnus/models';
import { setLogDestination } from '@somnus/runtime';
import { login, newAccount } from '../../../test/support/accounts';
import { startFunctions } from '../../../test/support/function-server';

/**
 * The `app` function: what current Insomnia apps ask at startup and for git sync sign-in
 * (docs/protocol.md §6, §6a), against a real database and, for GitHub, a local stand-in for GitHub's
 * token endpoint that checks the client secret and the code the way GitHub does. Nothing here reaches
 * the internet.
 */

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;
let headers: Record<string, string>;
const logLines: string[] = [];

/** GitHub's token endpoint, as far as the exchange goes: one client, one valid code, one token. */
const GITHUB = { clientId: 'Iv1.somnus-test', clientSecret: 'github-client-secret-0123456789', code: 'good-code-1234', token: 'gho_tokenThatMustNotBeLogged' };
let github: http.Server;
let githubUrl: string;
const exchanges: Array<Record<string, unknown>> = [];
/** Requests that reached the stand-in somewhere else than the token endpoint (a redirect followed). */
const stolen: string[] = [];

beforeAll(async () => {
  process.env.SOMNUS_ORG_SEAT_LIMIT = '25';
  process.env.LOG_LEVEL = 'info';
  setLogDestination({ write: (line: string) => void logLines.push(line) });
  github = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url === '/steal') return void (stolen.push(raw), res.end('{"access_token":"from-elsewhere"}'));
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      exchanges.push(body);
      res.setHeader('Content-Type', 'application/json');
      // hostile or broken answers, by code: a redirect that would carry the secret away, JSON null, a flood
      if (body.code === 'redirect-me') return void res.writeHead(307, { Location: `${githubUrl}/steal` }).end();
      if (body.code === 'null-answer') return void res.end('null');
      if (body.code === 'huge-answer') return void res.end(JSON.stringify({ access_token: 'x'.repeat(100_000) }));
      if (req.url !== '/login/oauth/access_token' || req.method !== 'POST') return void res.writeHead(404).end('{}');
      if (body.client_id !== GITHUB.clientId || body.client_secret !== GITHUB.clientSecret) return void res.end(JSON.stringify({ error: 'incorrect_client_credentials' }));
      if (body.code !== GITHUB.code) return void res.end(JSON.stringify({ error: 'bad_verification_code' }));
      res.end(JSON.stringify({ access_token: GITHUB.token, token_type: 'bearer', scope: 'repo' }));
    });
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  h = await startFunctions('auth', 'app');
  const account = await newAccount('startup@example.com', 'a passphrase');
  expect((await h.auth.post('/auth/signup', account.signupBody)).status).toBe(200);
  headers = { 'X-Session-Id': (await login(h.auth, 'startup@example.com', 'a passphrase')).token! };
});
afterEach(() => {
  delete process.env.SOMNUS_GIT_OAUTH;
});
afterAll(async () => {
  setLogDestination(process.stdout);
  delete process.env.SOMNUS_ORG_SEAT_LIMIT;
  await h?.stop();
  await new Promise((r) => github?.close(r));
});

const configureGithub = (overrides: Record<string, string> = {}) =>
  (process.env.SOMNUS_GIT_OAUTH = JSON.stringify({ github: { clientId: GITHUB.clientId, clientSecret: GITHUB.clientSecret, baseUrl: githubUrl, ...overrides } }));

/** Row counts of every table: "nothing stored" is these being equal. */
async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await h.db.query(`SELECT relname AS t FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname <> 'pgmigrations' ORDER BY relname`);
  const out: Record<string, number> = {};
  for (const { t } of rows) out[t] = Number((await h.db.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
  return out;
}

describe('startup calls', () => {
  it('current-plan: one active team plan with a truthy planId, the seat limit as quantity, the same plan as whoami', async () => {
    const plan = await h.app.get('/v1/billing/current-plan', headers);
    expect(plan.status).toBe(200);
    expect(currentPlanResponse.parse(plan.body)).toEqual({ isActive: true, period: 'year', planId: SELF_HOSTED_PLAN.planId, price: 0, quantity: 25, type: 'team' });
    const who = await h.auth.get('/auth/whoami', headers);
    expect(who.body).toMatchObject({ planId: plan.body.planId, planName: SELF_HOSTED_PLAN.planName, isPaymentRequired: false, isTrialing: false });
    expect((await h.app.get('/v1/billing/current-plan')).status).toBe(401);
  });

  it('notification: none (null), with or without a session, whatever the app reports', async () => {
    const data = { app: 'com.insomnia.app', autoUpdatesDisabled: false, disableUpdateNotification: false, firstLaunch: Date.now(), launches: 3, platform: 'linux', updateChannel: 'stable', updatesNotSupported: false, version: '10.1.1' };
    for (const hs of [headers, {}]) {
      const res = await h.app.post('/notification', data, hs);
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('application/json');
      expect(res.body).toBeNull();
    }
  });

  it('telemetry: accepted and dropped — no row written, nothing logged beyond the request line', async () => {
    const before = await rowCounts();
    logLines.length = 0;
    const res = await h.app.call('POST', '/v1/telemetry/', undefined, { ...headers, 'X-Insomnia-Client': 'production::linux::10.1.1' });
    expect(res.status).toBe(200);
    expect(await rowCounts()).toEqual(before);
    const mine = logLines.map((l) => JSON.parse(l)).filter((l) => l.fn === 'app');
    expect(mine).toEqual([expect.objectContaining({ message: 'request', method: 'POST', route: '/v1/telemetry/', status: 200 })]);
    expect(JSON.stringify(mine)).not.toContain(headers['X-Session-Id']);
  });
});

describe('git sync sign-in', () => {
  it('answers a clear 404 on every git sign-in call when the operator configured no OAuth App', async () => {
    for (const res of [
      await h.app.post('/v1/oauth/github', { code: GITHUB.code }),
      await h.app.get('/v1/oauth/gitlab/config'),
      await h.app.get('/oauth/github?state=abc'),
      await h.app.get('/oauth/github/callback?code=x&state=abc'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'GIT_OAUTH_NOT_CONFIGURED', message: expect.stringMatching(/operator/) });
    }
  });

  it('exchanges a GitHub code with the client secret only the server holds, and logs no token or code', async () => {
    configureGithub();
    logLines.length = 0;
    exchanges.length = 0;
    const res = await h.app.post('/v1/oauth/github', { code: GITHUB.code }); // the app sends no session
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: GITHUB.token });
    expect(exchanges).toEqual([{ client_id: GITHUB.clientId, client_secret: GITHUB.clientSecret, code: GITHUB.code }]);
    const logged = logLines.join('\n');
    for (const secret of [GITHUB.token, GITHUB.code, GITHUB.clientSecret]) expect(logged).not.toContain(secret);
  });

  it('a code GitHub refuses is a 400; GitHub unreachable is a 502; a bad body is a 400 that never reaches GitHub', async () => {
    configureGithub();
    const refused = await h.app.post('/v1/oauth/github', { code: 'used-or-expired' });
    expect(refused.status).toBe(400);
    // in our words: GitHub's text is not passed on
    expect(refused.body).toEqual({ error: 'INVALID_CODE', message: expect.stringContaining('sign in again') });

    configureGithub({ clientSecret: 'not-the-secret' });
    expect((await h.app.post('/v1/oauth/github', { code: GITHUB.code })).status).toBe(400);

    configureGithub({ baseUrl: 'http://127.0.0.1:9' }); // discard port: nothing listens
    const down = await h.app.post('/v1/oauth/github', { code: GITHUB.code });
    expect(down.status).toBe(502);
    expect(down.body.error).toBe('BAD_GATEWAY');

    configureGithub();
    exchanges.length = 0;
    for (const body of [{}, { code: '' }, { code: 42 }, { code: 'a b' }, { code: 'x'.repeat(257) }]) {
      expect((await h.app.post('/v1/oauth/github', body)).status).toBe(400);
    }
    expect(exchanges).toEqual([]);
  });

  it('the sign-in page sends the browser to GitHub with the operator’s client id; the callback hands code and state to the app', async () => {
    configureGithub();
    const page = await fetch(`${h.app.baseUrl}/oauth/github?scope=${encodeURIComponent('repo read:user user:email')}&state=st-123`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    const to = new URL(page.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${githubUrl}/login/oauth/authorize`);
    expect(Object.fromEntries(to.searchParams)).toEqual({ client_id: GITHUB.clientId, scope: 'repo read:user user:email', state: 'st-123' });

    const back = await fetch(`${h.app.baseUrl}/oauth/github/callback?code=${GITHUB.code}&state=st-123`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`insomnia://oauth/github/authenticate?code=${GITHUB.code}&state=st-123`);
    // a callback without its state cannot be handed to the app, which checks it
    expect((await h.app.get(`/oauth/github/callback?code=${GITHUB.code}`)).status).toBe(400);
  });

  it('the client secret never follows a redirect, and odd answers from GitHub are a 502, never a 500', async () => {
    configureGithub();
    stolen.length = 0;
    const redirected = await h.app.post('/v1/oauth/github', { code: 'redirect-me' });
    expect({ status: redirected.status, error: redirected.body.error }).toEqual({ status: 502, error: 'BAD_GATEWAY' });
    expect(stolen).toEqual([]);
    for (const code of ['null-answer', 'huge-answer']) {
      const odd = await h.app.post('/v1/oauth/github', { code });
      expect({ code, status: odd.status, error: odd.body.error }).toEqual({ code, status: 502, error: 'BAD_GATEWAY' });
    }
    // the secret travels only over https, or to this machine
    configureGithub({ baseUrl: 'http://github.example.com' });
    expect((await h.app.post('/v1/oauth/github', { code: GITHUB.code })).body.error).toBe('GIT_OAUTH_NOT_CONFIGURED');
  });

  it('a mistake in the git sign-in config takes down git sign-in only, never the startup calls', async () => {
    process.env.SOMNUS_GIT_OAUTH = JSON.stringify({ github: { clientId: 'only-half' } });
    expect((await h.app.get('/v1/billing/current-plan', headers)).status).toBe(200);
    expect((await h.app.post('/notification', { app: 'insomnia' })).status).toBe(200);
    const git = await h.app.post('/v1/oauth/github', { code: GITHUB.code });
    expect(git.status).toBe(404);
    expect(git.body).toEqual({ error: 'GIT_OAUTH_NOT_CONFIGURED', message: expect.stringMatching(/misconfigured/) });
  });

  it('the sign-in page asks GitHub for git sync’s scopes and no others; a declined sign-in is told in words', async () => {
    configureGithub();
    const page = await fetch(`${h.app.baseUrl}/oauth/github?scope=${encodeURIComponent('admin:org delete_repo repo')}&state=st-1`, { redirect: 'manual' });
    expect(new URL(page.headers.get('location')!).searchParams.get('scope')).toBe('repo');
    const greedy = await fetch(`${h.app.baseUrl}/oauth/github?scope=admin:enterprise&state=st-1`, { redirect: 'manual' });
    expect(new URL(greedy.headers.get('location')!).searchParams.get('scope')).toBe('repo read:user user:email');
    const declined = await h.app.get('/oauth/github/callback?error=access_denied&error_description=The+user+has+denied&state=st-1');
    expect(declined.status).toBe(400);
    expect(declined.body.message).toMatch(/did not sign you in/);
  });

  it('GitLab: the configured application for the app’s own PKCE flow', async () => {
    process.env.SOMNUS_GIT_OAUTH = JSON.stringify({ gitlab: { applicationId: 'gl-app-1', redirectUri: 'https://somnus.example/oauth/gitlab/callback' } });
    const res = await h.app.get('/v1/oauth/gitlab/config');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ applicationId: 'gl-app-1', redirectUri: 'https://somnus.example/oauth/gitlab/callback' });
    // GitLab alone offers no GitHub sign-in
    expect((await h.app.post('/v1/oauth/github', { code: GITHUB.code })).body.error).toBe('GIT_OAUTH_NOT_CONFIGURED');
    // its redirect URI is ours: the code goes on to the app, which holds the PKCE verifier
    const back = await fetch(`${h.app.baseUrl}/oauth/gitlab/callback?code=gl-code&state=st-9`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('insomnia://oauth/gitlab/authenticate?code=gl-code&state=st-9');
  });
});

describe('CORS', () => {
  const ORIGIN = 'app://insomnia';
  const preflight = (fnApi: Harness['app'], path: string, method: string, requestHeaders: string) =>
    fetch(fnApi.baseUrl + path, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': requestHeaders } });

  it('answers preflights with the methods of the path’s rows and the headers clients send; answers carry Allow-Origin', async () => {
    const pre = await preflight(h.app, '/v1/billing/current-plan', 'GET', 'x-session-id,x-insomnia-client,insomnia-request-id,x-origin');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET');
    const allowed = pre.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    for (const hd of ['x-session-id', 'x-insomnia-client', 'content-type', 'content-encoding', 'authorization', 'insomnia-request-id', 'x-origin', 'x-insomnia-org-id']) expect(allowed).toContain(hd);

    const whoPre = await preflight(h.auth, '/auth/whoami', 'POST', 'authorization,content-type');
    expect(whoPre.status).toBe(204);
    expect(whoPre.headers.get('access-control-allow-methods')).toBe('GET, POST');

    const real = await fetch(`${h.app.baseUrl}/v1/billing/current-plan`, { headers: { ...headers, Origin: ORIGIN } });
    expect(real.status).toBe(200);
    expect(real.headers.get('access-control-allow-origin')).toBe('*');
    expect(real.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('an unknown path stays 404 and a wrong method 405, preflight or not', async () => {
    expect((await preflight(h.app, '/v1/billing/nothing-here', 'GET', 'x-session-id')).status).toBe(404);
    const wrong = await h.app.call('DELETE', '/v1/billing/current-plan', undefined, headers);
    expect(wrong.status).toBe(405);
  });

  it('an operator’s list of origins narrows it: a listed origin is echoed, any other gets no Allow-Origin', async () => {
    process.env.SOMNUS_CORS_ORIGINS = 'https://insomnia.example, app://insomnia';
    try {
      const listed = await preflight(h.app, '/v1/billing/current-plan', 'GET', 'x-session-id');
      expect(listed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(listed.headers.get('vary')).toContain('Origin');
      const other = await fetch(`${h.app.baseUrl}/v1/billing/current-plan`, { headers: { ...headers, Origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      delete process.env.SOMNUS_CORS_ORIGINS;
    }
  });
});
