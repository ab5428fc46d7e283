import crypto from 'node:crypto';
import { setPublishTransport, settleDispatches, type PublishTransport } from '@somnus/runtime';
import { queryRows, withClient } from './database';
import type { TestStack } from './stack';

/**
 * Fixtures for the breach-notification tests: people inserted straight into the database (signing up
 * hundreds through SRP would test nothing more), and a small client of the private `incidents` function.
 */

export interface Person {
  id: string;
  email: string;
}

export interface SeededOrg {
  id: string;
  members: Person[];
}

const hex = (n: number) => crypto.randomBytes(n).toString('hex');

/** Accounts, and team organizations of the given sizes (the first member owns it), plus people in no team. */
export async function seedPeople(adminUrl: string, opts: { orgs: number[]; loners: number; tag?: string }): Promise<{ orgs: SeededOrg[]; loners: Person[] }> {
  const tag = opts.tag ?? hex(3);
  let n = 0;
  const person = (): Person => ({ id: `acct_${hex(16)}`, email: `p${++n}-${tag}@example.test` });
  const orgs: SeededOrg[] = opts.orgs.map((size) => ({ id: `org_${hex(16)}`, members: Array.from({ length: size }, person) }));
  const loners = Array.from({ length: opts.loners }, person);
  const everyone = [...orgs.flatMap((o) => o.members), ...loners];
  await withClient(adminUrl, async (c) => {
    await c.query(
      `INSERT INTO accounts (id, email, srp_profile, salt_key, salt_auth, salt_enc, verifier, public_key, enc_private_key, enc_symmetric_key, email_verified_at)
       SELECT id, email, 'insomnia', 's', 's', 's', 'v', 'pk', 'epk', 'esk', now() FROM unnest($1::text[], $2::text[]) AS t(id, email)`,
      [everyone.map((p) => p.id), everyone.map((p) => p.email)],
    );
    for (const o of orgs) {
      await c.query(`INSERT INTO organizations (id, name, type, owner_account_id) VALUES ($1, $2, 'team', $3)`, [o.id, `Team ${o.id.slice(4, 10)}`, o.members[0]!.id]);
      await c.query(
        `INSERT INTO memberships (org_id, account_id, role) SELECT $1, a, CASE WHEN ord = 1 THEN 'owner' ELSE 'member' END
         FROM unnest($2::text[]) WITH ORDINALITY AS t(a, ord)`,
        [o.id, o.members.map((m) => m.id)],
      );
    }
  });
  return { orgs, loners };
}

export interface OpsAnswer<T = any> {
  status: number;
  body: T;
}

/** Calls the stack's `incidents` with a fresh operator token (or the given Authorization header). */
export function opsClient(opsUrl: string, token: () => Promise<string>) {
  const call = async (method: string, path: string, body?: unknown, authorization?: string | null): Promise<OpsAnswer> => {
    const headers: Record<string, string> = {};
    const auth = authorization === undefined ? `Bearer ${await token()}` : authorization;
    if (auth !== null) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${opsUrl}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: a test fails on it where it matters
    }
    return { status: res.status, body: parsed };
  };
  return {
    call,
    create: (body: unknown) => call('POST', '/ops/incidents', body),
    get: (id: string) => call('GET', `/ops/incidents/${id}`),
    list: () => call('GET', '/ops/incidents'),
    retryFailed: (id: string) => call('POST', `/ops/incidents/${id}/retry-failed`),
    dispatch: () => call('POST', '/ops/outbox/dispatch'),
  };
}

export const incidentBody = (over: Record<string, unknown> = {}) => ({
  title: 'Unauthorised read of account emails',
  summary: 'On 1 December an attacker read the account table through a misconfigured replica.',
  details: 'Email addresses and account names. No passphrases, keys or documents: those never reach the server in clear.',
  severity: 'high',
  scope: { type: 'all' },
  postmortemUrl: 'https://status.somnus.test/postmortems/2026-12-01',
  idempotencyKey: `test-${hex(8)}`,
  ...over,
});

/** Polls until `check` returns a value (not undefined/false), or throws with `what` after the timeout. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * An incident for these people recorded while Pub/Sub fails, so that its rows stay queued and the test
 * delivers them itself; their outbox ids in the order of `people` (rows are written in account id order).
 */
export async function queuedIncident(stack: TestStack, people: readonly Person[]): Promise<{ id: string; outboxIds: string[] }> {
  const ops = opsClient(stack.opsUrl!, () => stack.operatorToken());
  const failing: PublishTransport = { publish: async () => Promise.reject(new Error('Pub/Sub is unreachable')) };
  setPublishTransport(failing);
  try {
    const r = await ops.create(incidentBody({ scope: { type: 'accounts', ids: people.map((p) => p.id) } }));
    if (r.status !== 201) throw new Error(`recording the incident answered ${r.status}`);
    // the rows are published after the answer: let that attempt fail before Pub/Sub works again
    await settleDispatches();
    const rows = await queryRows<{ id: string; account_id: string }>(stack.db.adminUrl, `SELECT id::text AS id, account_id FROM mail_outbox WHERE incident_id = $1`, [r.body.id]);
    const byAccount = new Map(rows.map((x) => [x.account_id, x.id]));
    return { id: r.body.id, outboxIds: people.map((p) => byAccount.get(p.id)!) };
  } finally {
    setPublishTransport(stack.bus.transport);
  }
}
