import { defineFunction } from '@somnus/runtime';
import { authDeps } from './deps';
import { changePassword } from './use-cases/change-password';
import { loginChallenge } from './use-cases/login-challenge';
import { loginSalts } from './use-cases/login-salts';
import { loginVerify } from './use-cases/login-verify';
import { logout } from './use-cases/logout';
import { resetAccount } from './use-cases/reset-account';
import { sendPasswordCode } from './use-cases/send-password-code';
import { sendResetCode } from './use-cases/send-reset-code';
import { listSessions, revokeOwnSession } from './use-cases/sessions';
import { signup } from './use-cases/signup';
import { verify, verifyLink } from './use-cases/verify';
import { whoami } from './use-cases/whoami';

/** Thin handlers: the runtime has checked access and input against each route's contract. */
export const handleAuth = defineFunction('auth', {
  deps: authDeps,
  handlers: {
    'POST /auth/signup': ({ deps, actor, body }) => signup(deps, actor, body),
    'POST /auth/login-s': ({ deps, actor, body }) => loginSalts(deps, actor, body),
    'POST /auth/login-a': ({ deps, actor, body }) => loginChallenge(deps, actor, body),
    'POST /auth/login-m1': ({ deps, actor, body }) => loginVerify(deps, actor, body),
    'GET /auth/whoami': ({ deps, actor }) => whoami(deps, actor),
    'POST /auth/whoami': ({ deps, actor }) => whoami(deps, actor),
    'GET /auth/verify': ({ deps, actor, query }) => verifyLink(deps, actor, query),
    'POST /auth/verify': ({ deps, actor, body }) => verify(deps, actor, body),
    'POST /auth/logout': ({ deps, actor }) => logout(deps, actor),
    'POST /auth/send-password-code': ({ deps, actor }) => sendPasswordCode(deps, actor),
    'POST /auth/change-password': ({ deps, actor, body }) => changePassword(deps, actor, body),
    // no session: the passphrase is forgotten, so the emailed code is the only proof
    'POST /auth/send-reset-code': ({ deps, actor, body }) => sendResetCode(deps, actor, body),
    'POST /auth/reset': ({ deps, actor, body }) => resetAccount(deps, actor, body),
    'GET /v1/user/sessions': ({ deps, actor }) => listSessions(deps, actor),
    'DELETE /v1/user/sessions/:sessionId': ({ deps, actor, params }) => revokeOwnSession(deps, actor, { sessionId: params.sessionId }),
  },
});
