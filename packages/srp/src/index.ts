/**
 * @somnus/srp: SRP-6a over the RFC 5054 2048-bit group with SHA-256, in two dialects:
 * - `insomnia` (default): Kong srp-js@0.2.1, what Insomnia desktop clients speak;
 * - `rfc2945`: npm secure-remote-password@0.3.1.
 * Modexps go through OpenSSL; every hex string produced is lowercase.
 */
export { N_HEX } from './params';
export { DEFAULT_SRP_PROFILE, SRP_PROFILES, isSrpProfile, type SrpProfile } from './profiles';
export { isValidClientPublicKey } from './validate';
export {
  createServerEphemeral,
  verifyClientProof,
  type ServerEphemeral,
  type ServerSessionInput,
  type ServerSessionResult,
} from './server';
export {
  computeClientSession,
  computeVerifier,
  createClientEphemeral,
  verifyServerProof,
  type ClientEphemeral,
  type ClientSession,
  type ClientSessionInput,
} from './client';
