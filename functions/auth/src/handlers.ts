import { getPool } from '@somnus/db';
import { changePasswordBody, loginABody, loginM1Body, loginSBody, resetBody, sendResetCodeBody, signupBody } from '@somnus/models';
import { defineFunction, HttpError, loadConfig, parseBody, requireSession, type HandlerResult, type RequestContext } from '@somnus/runtime';
import type { Result } from './result';
import { changePassword } from './use-cases/change-password';
import { loginChallenge } from './use-cases/login-challenge';
import { loginSalts } from './use-cases/login-salts';
import { loginVerify } from './use-cases/login-verify';
import { logout } from './use-cases/logout';
import { resetAccount } from './use-cases/reset-account';
import { sendResetCode } from './use-cases/send-reset-code';
import { sendPasswordCode } from './use-cases/send-password-code';
import { listSessions, revokeOwnSession } from './use-cases/sessions';
import { signup } from './use-cases/signup';
import { whoami } from './use-cases/whoami';

function respond<T>(result: Result<T>): HandlerResult {
  if (!result.ok) throw new HttpError(result.error, result.message, result.headers);
  return { body: result.value };
}

const meta = (ctx: RequestContext) => ({ ip: ctx.ip, client: ctx.client });

async function whoamiHandler(ctx: RequestContext): Promise<HandlerResult> {
  const session = await requireSession(ctx.req);
  const body = await whoami(getPool(), session);
  if (!body) throw new HttpError('UNAUTHORIZED', 'Account no longer exists');
  return { body };
}

/** Thin handlers: parse → use case → respond. */
export const handleAuth = defineFunction('auth', {
  'POST /auth/signup': async (ctx) => respond(await signup(getPool(), parseBody(ctx.req, signupBody), meta(ctx))),

  'POST /auth/login-s': async (ctx) => {
    const { email } = parseBody(ctx.req, loginSBody);
    return { body: await loginSalts(getPool(), loadConfig().serverSecret, email) };
  },

  'POST /auth/login-a': async (ctx) => {
    const body = parseBody(ctx.req, loginABody);
    return respond(await loginChallenge(getPool(), loadConfig().serverSecret, { ...body, ip: ctx.ip }));
  },

  'POST /auth/login-m1': async (ctx) => {
    const body = parseBody(ctx.req, loginM1Body);
    const { serverSecret, sessionTtlSeconds } = loadConfig();
    return respond(await loginVerify(getPool(), serverSecret, { ...body, ...meta(ctx), sessionTtlSeconds }));
  },

  'GET /auth/whoami': whoamiHandler,
  'POST /auth/whoami': whoamiHandler,

  'POST /auth/logout': async (ctx) => {
    const session = await requireSession(ctx.req);
    await logout(getPool(), session, meta(ctx));
    return { body: { ok: true } };
  },

  'POST /auth/send-password-code': async (ctx) => {
    const session = await requireSession(ctx.req);
    return respond(await sendPasswordCode(getPool(), loadConfig().serverSecret, session, meta(ctx)));
  },

  'POST /auth/change-password': async (ctx) => {
    const session = await requireSession(ctx.req);
    const body = parseBody(ctx.req, changePasswordBody);
    return respond(await changePassword(getPool(), loadConfig().serverSecret, session, body, meta(ctx)));
  },

  // no session: the passphrase is forgotten, so the emailed code is the only proof
  'POST /auth/send-reset-code': async (ctx) => {
    const { email } = parseBody(ctx.req, sendResetCodeBody);
    return { body: await sendResetCode(getPool(), loadConfig().serverSecret, email, meta(ctx)) };
  },

  'POST /auth/reset': async (ctx) => {
    const body = parseBody(ctx.req, resetBody);
    return respond(await resetAccount(getPool(), loadConfig().serverSecret, body, meta(ctx)));
  },

  'GET /v1/user/sessions': async (ctx) => ({ body: await listSessions(getPool(), await requireSession(ctx.req)) }),

  'DELETE /v1/user/sessions/:sessionId': async (ctx) => {
    const session = await requireSession(ctx.req);
    return respond(await revokeOwnSession(getPool(), session, ctx.params.sessionId ?? '', meta(ctx)));
  },
});
