import type { Pool } from 'pg';
import { findAccountLogin } from '@somnus/db';
import type { LoginSResponse } from '@somnus/models';
import { fakeSalts } from '../fake-account';

/** login-s: the salts the client needs to derive its SRP password. Unknown emails get stable fakes. */
export async function loginSalts(db: Pool, secret: Buffer, email: string): Promise<LoginSResponse> {
  const account = await findAccountLogin(db, email);
  if (account) return { saltKey: account.salt_key, saltAuth: account.salt_auth };
  return fakeSalts(secret, email);
}
