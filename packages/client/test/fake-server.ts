/**
 * An in-memory stand-in for the Somnus API, reached through an injected `fetch`, so SDK and CLI
 * logic can be tested without Postgres or a gateway. It runs the real server-side SRP from
 * @somnus/srp, so a login against it is a real handshake; `override` lets a test make any route
 * answer something malformed or hostile.
 */
import { createHash } from 'node:crypto';
import { createServerEphemeral, verifyClientProof, type SrpProfile } from '@somnus/srp';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
}

interface Account {
  accountId: string;
  email: string;
  firstName: string;
  lastName: string;
  srpProfile: SrpProfile;
  saltKey: string;
  saltAuth: string;
  saltEnc: string;
  verifier: string;
  publicKey: string;
  encPrivateKey: string;
  encSymmetricKey: string;
}

type Reply = { status: number; body: unknown; contentType?: string; headers?: Record<string, string> };

export interface FakeServer {
  fetch: typeof fetch;
  requests: RecordedRequest[];
  accounts: Map<string, Account>;
  /** Live session tokens → account email. */
  sessions: Map<string, string>;
  /** Answer for `METHOD /path` instead of the normal handler (once per call unless persistent). */
  override(route: string, reply: Reply | ((req: RecordedRequest) => Reply)): void;
  /** The last code "emailed". */
  lastCode: string | null;
}

const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

function whoamiOf(a: Account) {
  return {
    sessionAge: 12,
    sessionExpiry: '2030-01-01T00:00:00.000Z',
    accountId: a.accountId,
    email: a.email,
    firstName: a.firstName,
    lastName: a.lastName,
    created: '2024-01-01T00:00:00.000Z',
    publicKey: a.publicKey,
    encSymmetricKey: a.encSymmetricKey,
    encPrivateKey: a.encPrivateKey,
    saltEnc: a.saltEnc,
    isPaymentRequired: false,
    isTrialing: false,
    isVerified: true,
    isAdmin: false,
    trialEnd: '',
    planName: 'Self-hosted',
    planId: 'self-hosted',
    canManageTeams: true,
    maxTeamMembers: 0,
    passwordSet: true,
    canUnsetPassword: false,
    unsubscribedFromEmails: true,
  };
}

export function createFakeServer(): FakeServer {
  const requests: RecordedRequest[] = [];
  const accounts = new Map<string, Account>();
  const sessions = new Map<string, string>();
  const overrides = new Map<string, Reply | ((req: RecordedRequest) => Reply)>();
  const starters = new Map<string, { email: string; A: string; b: string; B: string }>();
  const server: FakeServer = {
    requests,
    accounts,
    sessions,
    lastCode: null,
    override(route, reply) {
      overrides.set(route, reply);
    },
    fetch: undefined as unknown as typeof fetch,
  };

  const err = (status: number, error: string, message: string): Reply => ({ status, body: { error, message } });

  function handle(req: RecordedRequest): Reply {
    const route = `${req.method} ${req.path}`;
    const o = overrides.get(route);
    if (o) return typeof o === 'function' ? o(req) : o;
    const token = req.headers['x-session-id'];
    const me = token ? accounts.get(sessions.get(token) ?? '') : undefined;
    const needSession = () => (me ? null : err(401, 'UNAUTHORIZED', 'A valid session is required'));

    switch (route) {
      case 'POST /auth/signup': {
        const b = req.body;
        if (accounts.has(b.email)) return err(409, 'EMAIL_TAKEN', 'An account with this email already exists');
        const accountId = `acct_${hex(32)}`;
        accounts.set(b.email, { ...b, accountId, srpProfile: b.srpProfile ?? 'insomnia' });
        return { status: 200, body: { accountId, email: b.email } };
      }
      case 'POST /auth/login-s': {
        const a = accounts.get(req.body.email);
        return { status: 200, body: a ? { saltKey: a.saltKey, saltAuth: a.saltAuth } : { saltKey: hex(64), saltAuth: hex(64) } };
      }
      case 'POST /auth/login-a': {
        const a = accounts.get(req.body.email);
        if (!a) return err(401, 'INVALID_CREDENTIALS', 'Invalid email or passphrase');
        const { bHex, BHex } = createServerEphemeral(a.srpProfile, a.verifier);
        const id = `lss_${hex(32)}`;
        starters.set(id, { email: a.email, A: req.body.srpA, b: bHex, B: BHex });
        return { status: 200, body: { sessionStarterId: id, srpB: BHex } };
      }
      case 'POST /auth/login-m1': {
        const st = starters.get(req.body.sessionStarterId);
        starters.delete(req.body.sessionStarterId);
        const a = st && accounts.get(st.email);
        if (!st || !a) return err(401, 'LOGIN_SESSION_INVALID', 'Login session is unknown');
        const proof = verifyClientProof({
          profile: a.srpProfile,
          identity: a.email,
          saltHex: a.saltAuth,
          verifierHex: a.verifier,
          AHex: st.A,
          bHex: st.b,
          BHex: st.B,
          M1Hex: req.body.srpM1,
        });
        if (!proof.ok) return err(401, 'INVALID_CREDENTIALS', 'Invalid email or passphrase');
        sessions.set(proof.KHex, a.email);
        return { status: 200, body: { srpM2: proof.M2Hex } };
      }
      case 'GET /auth/whoami':
        return needSession() ?? { status: 200, body: whoamiOf(me!) };
      case 'POST /auth/logout':
        if (!me) return needSession()!;
        sessions.delete(token!);
        return { status: 200, body: { ok: true } };
      case 'POST /auth/send-password-code':
        if (!me) return needSession()!;
        server.lastCode = 'ABCDEFGH23';
        return { status: 200, body: { ok: true } };
      case 'POST /auth/change-password': {
        if (!me) return needSession()!;
        if (req.body.code !== server.lastCode) return err(400, 'INVALID_CODE', 'The code is wrong');
        if (req.body.encSymmetricKey !== me.encSymmetricKey) return err(400, 'VALIDATION_ERROR', 'stale key');
        me.verifier = req.body.newVerifier;
        me.encSymmetricKey = req.body.newEncSymmetricKey;
        server.lastCode = null;
        for (const [t, e] of sessions) if (e === me.email && t !== token) sessions.delete(t);
        return { status: 200, body: { ok: true } };
      }
      case 'GET /v1/user/sessions':
        if (!me) return needSession()!;
        return {
          status: 200,
          body: {
            sessions: [...sessions].filter(([, e]) => e === me.email).map(([t]) => ({
              id: `sess_${createHash('sha256').update(t).digest('hex').slice(0, 32)}`,
              created: '2024-01-01T00:00:00.000Z',
              lastUsed: '2024-01-01T00:00:00.000Z',
              expires: '2030-01-01T00:00:00.000Z',
              client: 'somnus-cli::linux::0.1.0',
              ip: '127.0.0.1',
              current: t === token,
            })),
          },
        };
      default:
        return err(404, 'NOT_FOUND', `no route ${route}`);
    }
  }

  server.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init?.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
    const req: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(req);
    const reply = handle(req);
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return new Response(text, {
      status: reply.status,
      headers: { 'Content-Type': reply.contentType ?? 'application/json', ...(reply.headers ?? {}) },
    });
  }) as typeof fetch;
  return server;
}
