/**
 * The pure part of key sharing (docs/protocol.md §2, §6): making, wrapping and unwrapping project keys
 * (SYM_ResourceGroup), and working out which wrapped copies a member still needs. No HTTP here, so
 * every rule is unit-testable; the flows that call the server (invite, reshare, create-project) only
 * fetch, call these, and post the result.
 */
import {
  CryptoError,
  decryptRSAWithJWK,
  encryptRSAWithJWK,
  generateAesJwk,
  MalformedInputError,
  parseAesJwk,
  parseRsaPublicJwk,
  randomHex,
  type AesJwk,
  type RsaPrivateJwk,
  type RsaPublicJwk,
} from '@somnus/crypto';

/** The caller's wrapped copy of one project key, as my-project-keys lists it. */
export interface WrappedProjectKey {
  projectId: string;
  encKey: string;
}

/** A member who lacks a key for a project, with the public key to wrap it for. */
export interface MemberNeedingKey {
  accountId: string;
  projectId: string;
  publicKey: string;
}

/** One wrapped copy for reconcile-keys. */
export interface ReconcileKey {
  projectId: string;
  accountId: string;
  encSymmetricKey: string;
}

/** `prj_` + 32 hex: VCS project ids are chosen by the client (docs/architecture.md §8). */
export function newProjectId(): string {
  return `prj_${randomHex(16)}`;
}

/** A fresh project key: an AES-256-GCM JWK with exactly the five members that fit RSA-OAEP. */
export function newProjectKey(): AesJwk {
  return generateAesJwk();
}

/**
 * Parses a `publicKey` string from the server. The server is not trusted: a key that fails
 * Insomnia's checks (or carries private members) is refused before anything is wrapped for it.
 */
export function parsePublicKey(publicKey: string): RsaPublicJwk {
  let value: unknown;
  try {
    value = JSON.parse(publicKey) as unknown;
  } catch (cause) {
    throw new MalformedInputError('a public key from the server is not JSON', { cause });
  }
  return parseRsaPublicJwk(value);
}

/** `encryptRSAWithJWK(memberPublicJWK, JSON.stringify(projectJWK))`: 512 hex for a 2048-bit key. */
export function wrapProjectKey(publicKey: RsaPublicJwk | string, projectKey: AesJwk): string {
  const jwk = typeof publicKey === 'string' ? parsePublicKey(publicKey) : publicKey;
  return encryptRSAWithJWK(jwk, JSON.stringify(parseAesJwk(projectKey)));
}

/** Opens a wrapped project key with the account's private key; DecryptionError if it is not ours. */
export function unwrapProjectKey(privateJwk: RsaPrivateJwk, encKey: string): AesJwk {
  const plain = decryptRSAWithJWK(privateJwk, encKey);
  let value: unknown;
  try {
    value = JSON.parse(plain) as unknown;
  } catch (cause) {
    throw new MalformedInputError('a project key did not decrypt to a JWK', { cause });
  }
  return parseAesJwk(value);
}

/**
 * Every project key the caller holds, unwrapped, by project id; the ids of copies that do not open with
 * this private key (wrapped for another key, or damaged) in `unopenable`. One bad copy must not stop the
 * caller sharing every other project: those are reported, and the projects' other holders can share them.
 */
export function unwrapAll(privateJwk: RsaPrivateJwk, projectKeys: readonly WrappedProjectKey[]): { keys: Map<string, AesJwk>; unopenable: string[] } {
  const keys = new Map<string, AesJwk>();
  const unopenable: string[] = [];
  for (const k of projectKeys) {
    try {
      keys.set(k.projectId, unwrapProjectKey(privateJwk, k.encKey));
    } catch (err) {
      if (!(err instanceof CryptoError)) throw err;
      unopenable.push(k.projectId);
    }
  }
  return { keys, unopenable };
}

/**
 * The inviteKeys of an invite: every project key the caller holds, re-wrapped for the invitee.
 * An invitee without an account yet has no public key: nothing can be wrapped, and the keys reach
 * them through reconcile-keys after they sign up and accept.
 */
export function inviteKeysFor(
  keys: ReadonlyMap<string, AesJwk>,
  inviteePublicKey: string | null | undefined,
  autoLinked: boolean,
): Array<{ projectId: string; encSymmetricKey: string; autoLinked: boolean }> {
  if (!inviteePublicKey) return [];
  const jwk = parsePublicKey(inviteePublicKey);
  return [...keys].map(([projectId, key]) => ({ projectId, encSymmetricKey: wrapProjectKey(jwk, key), autoLinked }));
}

export interface ReconcilePlan {
  keys: ReconcileKey[];
  /** Members listed for a project whose key the caller does not hold itself: an admin with a key must re-share. */
  skipped: MemberNeedingKey[];
}

/** For each member lacking a project key, that key wrapped for the member's public key. */
export function planReconcile(keys: ReadonlyMap<string, AesJwk>, members: readonly MemberNeedingKey[]): ReconcilePlan {
  const plan: ReconcilePlan = { keys: [], skipped: [] };
  const seen = new Set<string>();
  for (const m of members) {
    const id = `${m.projectId}\u0000${m.accountId}`;
    if (seen.has(id)) continue; // one copy per (project, member), however often the server lists it
    seen.add(id);
    const key = keys.get(m.projectId);
    if (!key) {
      plan.skipped.push(m);
      continue;
    }
    plan.keys.push({ projectId: m.projectId, accountId: m.accountId, encSymmetricKey: wrapProjectKey(m.publicKey, key) });
  }
  return plan;
}
