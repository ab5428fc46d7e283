/**
 * SRP login (docs/protocol.md §4.1): login-s → login-a → login-m1. The passphrase never leaves this
 * function; the server only ever sees A and M1. The session token is hex(K), which only a party that
 * knows the verifier can also compute, and we accept it only after checking the server's M2.
 */
import { deriveKey, normalizeEmail, normalizePassphrase, CryptoError } from '@somnus/crypto';
import { computeClientSession, createClientEphemeral, DEFAULT_SRP_PROFILE, verifyServerProof, type SrpProfile } from '@somnus/srp';
import { ServerProofError } from '../errors';
import type { HttpClient } from '../http';
import { srpPassword } from '../srp-password';

export interface LoginInput {
  email: string;
  passphrase: string;
  /**
   * Must match the profile the account signed up with. login-s does not reveal it on purpose: an
   * unknown email gets fake salts, and a per-account profile in that answer would tell them apart.
   */
  srpProfile?: SrpProfile;
}

export interface SrpLoginResult {
  /** hex(K): the bearer token for X-Session-Id. Secret. */
  sessionId: string;
  email: string;
  srpProfile: SrpProfile;
}

export async function srpLogin(http: HttpClient, input: LoginInput): Promise<SrpLoginResult> {
  const srpProfile = input.srpProfile ?? DEFAULT_SRP_PROFILE;
  const email = normalizeEmail(input.email);
  const passphrase = normalizePassphrase(input.passphrase);
  // Fail before any request: an empty secret would derive a valid-looking key and burn a login attempt.
  if (!email) throw new CryptoError('Email must not be empty');
  if (!passphrase) throw new CryptoError('Passphrase must not be empty');

  const salts = await http.call('POST /auth/login-s', { body: { email } });
  const authSecretHex = await deriveKey(passphrase, email, salts.saltKey);

  const ephemeral = createClientEphemeral();
  const challenge = await http.call('POST /auth/login-a', { body: { email, srpA: ephemeral.AHex } });

  // Throws on a B the client must refuse (0 mod N, ≥ N, wrong length) before anything is derived from it.
  const session = computeClientSession({
    profile: srpProfile,
    identity: email,
    saltHex: salts.saltAuth,
    password: srpPassword(srpProfile, authSecretHex),
    aHex: ephemeral.aHex,
    AHex: ephemeral.AHex,
    BHex: challenge.srpB,
  });

  const proof = await http.call('POST /auth/login-m1', { body: { sessionStarterId: challenge.sessionStarterId, srpM1: session.M1Hex } });
  // constant-time compare inside verifyServerProof
  if (!verifyServerProof(session.expectedM2Hex, proof.srpM2)) throw new ServerProofError();
  return { sessionId: session.KHex, email, srpProfile };
}
