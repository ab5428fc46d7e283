/**
 * The check before every wrapping operation (docs/key-authenticity.md §3): the SDK wraps a project key for
 * another account's public key only when that key is the last entry of a signed, consistent key history
 * (checkKeyHistory) and, in that org, is the key pinned the first time the SDK wrapped for that member.
 * Flows call `approve(orgId, members)` with the exact public keys they are about to wrap for.
 */
import { fingerprintOf, sameFingerprint } from '@somnus/models';
import { FingerprintMismatchError, KeyChangedError, KeyHistoryError, type MemberRef } from '../errors';
import type { HttpClient } from '../http';
import { checkKeyHistory } from './history';
import type { TrustState, TrustStore } from './store';

export interface MemberKey extends MemberRef {
  publicKey: string;
}

/** Looks a member's email up in the org's member list, to name them in a refusal (best effort). */
export function memberEmails(http: HttpClient, sessionId: string, orgId: string): (accountId: string) => Promise<string | undefined> {
  return async (accountId) => {
    try {
      for (let page = 0; page < 100; page++) {
        const res = await http.call('GET /v1/organizations/:orgId/members', { params: { orgId }, query: { page, per_page: 100 }, sessionId });
        const hit = res.members.find((m) => m.user_id === accountId);
        if (hit) return hit.email;
        if (!res.next || res.members.length === 0) return undefined;
      }
    } catch {
      // naming is a courtesy: the refusal stands without it
    }
    return undefined;
  };
}

/** The same RSA key, however its JSON is spelled (the fingerprint covers n and e); a bad key is no match. */
function sameKey(a: string, b: string): boolean {
  try {
    return fingerprintOf(a) === fingerprintOf(b);
  } catch {
    return false;
  }
}

export class KeyGuard {
  constructor(
    private readonly http: HttpClient,
    private readonly sessionId: string,
    private readonly store: TrustStore,
  ) {}

  /** The history-signing key, pinned on first use; later answers are checked against the pin only. */
  private async signingKey(state: TrustState) {
    if (!state.signingKey) {
      const jwk = await this.http.call('GET /v1/keys/history-signing-key', {});
      state.signingKey = { kid: jwk.kid, x: jwk.x };
    }
    return state.signingKey;
  }

  /** Verifies one member's history against `publicKey`; records the last entry seen. Returns the fingerprint. */
  private async verified(state: TrustState, member: MemberKey): Promise<string> {
    const history = await this.http.call('GET /v1/keys/accounts/:accountId/history', { params: { accountId: member.accountId }, sessionId: this.sessionId });
    const check = await checkKeyHistory(member.accountId, history, await this.signingKey(state), member.publicKey, state.histories[member.accountId]);
    if (!check.ok) throw new KeyHistoryError(member, check.reason);
    state.histories[member.accountId] = check.last;
    return check.fingerprint;
  }

  /**
   * Checks every member (one per account) before anything is wrapped; pins the ones seen for the first time
   * in this org. Throws KeyHistoryError or KeyChangedError naming the first member refused; then nothing is
   * pinned, but the histories that verified are remembered (they only ever move forward).
   */
  async approve(orgId: string, members: readonly MemberKey[], named?: (accountId: string) => Promise<string | undefined>): Promise<void> {
    // One key per account is checked below, so every row a flow will wrap for must carry that same key: a
    // server that lists a member twice, the real key and its own, must not get the second one wrapped for.
    const byAccount = new Map<string, MemberKey>();
    for (const m of members) {
      const first = byAccount.get(m.accountId);
      if (!first) byAccount.set(m.accountId, m);
      else if (first.publicKey !== m.publicKey && !sameKey(first.publicKey, m.publicKey)) {
        throw new KeyHistoryError(m, 'the server gave two different public keys for this member in one answer');
      }
    }
    const unique = [...byAccount.values()];
    if (unique.length === 0) return;
    const state = await this.store.read();
    const pins = (state.pins[orgId] ??= {});
    const newPins: Array<[string, string]> = [];
    try {
      for (const m of unique) {
        const fingerprint = await this.verified(state, m);
        const pinned = pins[m.accountId];
        if (pinned === undefined) newPins.push([m.accountId, fingerprint]);
        else if (!sameFingerprint(pinned, fingerprint)) {
          const email = m.email ?? (await named?.(m.accountId));
          throw new KeyChangedError(orgId, { accountId: m.accountId, email }, pinned, fingerprint);
        }
      }
      for (const [id, fp] of newPins) pins[id] = fp;
    } finally {
      await this.store.write(state);
    }
  }

  /**
   * Pins `fingerprint` for the member in this org after the user compared it out of band. It must be the
   * fingerprint of the member's current key, whose history must verify: a confirmation cannot be replayed
   * onto a later key.
   */
  async trust(orgId: string, member: MemberKey, fingerprint: string): Promise<void> {
    const state = await this.store.read();
    try {
      const current = await this.verified(state, member);
      if (!sameFingerprint(current, fingerprint)) throw new FingerprintMismatchError(member, fingerprint, current);
      (state.pins[orgId] ??= {})[member.accountId] = current;
    } finally {
      await this.store.write(state);
    }
  }

  /** The verified last entry of an account's history (`somnus keys head`): what two members compare. */
  async head(member: MemberKey): Promise<{ seq: number; hash: string; fingerprint: string }> {
    const state = await this.store.read();
    try {
      const fingerprint = await this.verified(state, member);
      return { ...state.histories[member.accountId]!, fingerprint };
    } finally {
      await this.store.write(state);
    }
  }
}
