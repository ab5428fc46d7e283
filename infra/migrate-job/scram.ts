import crypto from 'node:crypto';

/** Postgres' own choice for the verifiers it computes (scram_sha_256_iterations' default). */
export const SCRAM_ITERATIONS = 4096;

const hmac = (key: Buffer, text: string) => crypto.createHmac('sha256', key).update(text).digest();

/**
 * The SCRAM-SHA-256 verifier Postgres keeps for `password` (RFC 5802 and RFC 7677, in pg_authid's form
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64). Given to CREATE/ALTER ROLE … PASSWORD,
 * it is stored as it is: the password itself never reaches the server, so no statement log can hold it.
 * Only printable ASCII is accepted, which SASLprep leaves unchanged (the stack generates alphanumeric passwords).
 */
export function scramSha256Verifier(password: string, salt: Buffer = crypto.randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x20-\x7e]+$/.test(password)) throw new Error('the password must be printable ASCII (SASLprep is not implemented here)');
  const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = crypto.createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
