import { findAccountLogin } from '@somnus/db';
import type { LoginSResponse } from '@somnus/models';
import { ok, type Anonymous, type Result } from '@somnus/runtime';
import type { AuthDeps } from '../deps';
import { fakeSalts } from '../fake-account';

/** login-s: the salts the client needs to derive its SRP password. Unknown emails get stable fakes. */
export async function loginSalts(deps: AuthDeps, _actor: Anonymous, input: { email: string }): Promise<Result<LoginSResponse>> {
  const account = await findAccountLogin(deps.db, input.email);
  if (account) return ok({ saltKey: account.salt_key, saltAuth: account.salt_auth });
  return ok(fakeSalts(deps.config.serverSecret, input.email));
}
