/**
 * Key sharing over the wire (docs/protocol.md §6, steps 3 and 5): fetch the caller's wrapped project
 * keys and the members who lack one (my-project-keys), open them locally with the private key, and
 * post a copy wrapped for each such member (reconcile-keys). Used by invite() at the end of the
 * invite flow and on its own by reshareKeys() (an admin after an account reset or a late sign-up).
 */
import type { AesJwk, RsaPrivateJwk } from '@somnus/crypto';
import type { HttpClient } from '../http';
import { memberEmails, type KeyGuard } from '../trust/guard';
import { planReconcile, unwrapAll, type MemberNeedingKey, type ReconcileKey } from './project-keys';

export interface OpenedProjectKeys {
  /** The caller's project keys in this org, unwrapped, by project id. Secret. */
  keys: Map<string, AesJwk>;
  /** Members (by project) who still lack a key, with their public keys. */
  members: MemberNeedingKey[];
  /** Projects whose copy of the key held for the caller does not open with the caller's private key. */
  unopenable: string[];
}

export interface ReshareResult {
  /** Wrapped copies posted to reconcile-keys. */
  shared: Array<Omit<ReconcileKey, 'encSymmetricKey'>>;
  /** Members lacking a key for a project the caller holds no openable key for (another holder must share). */
  skipped: MemberNeedingKey[];
  /** Projects whose copy of the key held for the caller does not open with the caller's private key. */
  unopenable: string[];
}

export async function fetchProjectKeys(http: HttpClient, sessionId: string, orgId: string) {
  return http.call('GET /v1/organizations/:orgId/my-project-keys', { params: { orgId }, sessionId });
}

export async function openProjectKeys(http: HttpClient, sessionId: string, orgId: string, privateJwk: RsaPrivateJwk): Promise<OpenedProjectKeys> {
  const res = await fetchProjectKeys(http, sessionId, orgId);
  return { ...unwrapAll(privateJwk, res.projectKeys), members: res.members };
}

/** Wraps each project key the caller holds for every member listed as lacking it, and posts them. */
export async function reconcile(http: HttpClient, sessionId: string, orgId: string, opened: OpenedProjectKeys, guard: KeyGuard): Promise<ReshareResult> {
  // every key about to be wrapped for is checked first (docs/key-authenticity.md §3): one refused member
  // stops the whole re-share, so nothing is wrapped for a key the user has not confirmed
  const wrappedFor = opened.members.filter((m) => opened.keys.has(m.projectId));
  await guard.approve(orgId, wrappedFor, memberEmails(http, sessionId, orgId));
  const plan = planReconcile(opened.keys, opened.members);
  if (plan.keys.length) {
    await http.call('POST /v1/organizations/:orgId/reconcile-keys', { params: { orgId }, body: { keys: plan.keys }, sessionId });
  }
  return { shared: plan.keys.map(({ projectId, accountId }) => ({ projectId, accountId })), skipped: plan.skipped, unopenable: opened.unopenable };
}

export async function reshareKeys(http: HttpClient, sessionId: string, orgId: string, privateJwk: RsaPrivateJwk, guard: KeyGuard): Promise<ReshareResult> {
  return reconcile(http, sessionId, orgId, await openProjectKeys(http, sessionId, orgId, privateJwk), guard);
}
