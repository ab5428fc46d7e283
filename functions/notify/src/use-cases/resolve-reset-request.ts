import {
  countAccountEventsSince,
  findAccountByEmail,
  lockAccount,
  lockClaimedMail,
  markResetRequestResolved,
  markSkipped,
  recordAccountEvent,
  replaceAccountCode,
  type OutboxRow,
} from '@somnus/db';
import { ID_PREFIX } from '@somnus/models';
import { ACCOUNT_CODE_TTL_MS, MAX_RESET_CODES_PER_WINDOW, newId, ok, RESET_CODE_WINDOW_MS, reserveMailTo, transaction } from '@somnus/runtime';
import type { NotifyDeps } from '../deps';

/** What became of a reset request: a reset-code email to send, settled without one (and why), or the claim was lost. */
export type Resolution = { send: OutboxRow } | { skipped: string } | { lost: true };

const hex = (v: unknown): Buffer | null => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? Buffer.from(v, 'hex') : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Decides a `reset_request` row (POST /auth/send-reset-code; docs/architecture.md §11.3), claimed by this
 * instance with `token`, in one transaction under the row's lock — so once per row, whatever the
 * redeliveries: a request for an email without an account, or over a limit, is settled `skipped` and sends
 * nothing; otherwise the code is stored (its HMAC, computed by the request) and the row becomes the reset
 * email, sent like any other. The limits are those the request applied before the outbox: 20 codes an hour
 * per account, and the mail limits of reset codes per (recipient, source IP), per recipient and per source
 * IP (packages/runtime/src/mail-limits.ts). The reason a row was skipped names the limit, never the address.
 */
export async function resolveResetRequest(deps: NotifyDeps, claimed: OutboxRow, token: string): Promise<Resolution> {
  const now = deps.clock.now();
  const decided = await transaction(deps.db, async (tx) => {
    const row = await lockClaimedMail(tx, claimed.id, token);
    if (!row) return ok<Resolution>({ lost: true });
    if (row.account_id) return ok<Resolution>({ send: row });
    const skip = async (reason: string) => {
      await markSkipped(tx, row.id, token, reason);
      return ok<Resolution>({ skipped: reason });
    };
    const secret = (row.data.secret ?? {}) as Record<string, unknown>;
    const request = (row.data.request ?? {}) as Record<string, unknown>;
    const code = text(secret.code);
    const codeHash = hex(secret.codeHash);
    const recipientHash = hex(secret.recipientHash);
    if (!code || !codeHash || !recipientHash) return skip('malformed request');
    const ip = text(request.ip);

    const known = await findAccountByEmail(tx, row.email);
    // the row lock serialises concurrent requests for one account, so the hourly count cannot be raced past
    const account = known ? await lockAccount(tx, known.id) : null;
    if (!account) return skip('no account');
    const sent = await countAccountEventsSince(tx, account.id, 'account.reset_code_sent', new Date(now.getTime() - RESET_CODE_WINDOW_MS));
    if (sent >= MAX_RESET_CODES_PER_WINDOW) return skip('limit: account');
    const allowance = await reserveMailTo(tx, recipientHash, now, { kind: 'reset_code', sender: ip ? { ip } : null });
    if (!allowance.allowed) return skip(`limit: ${allowance.limitedBy}`);

    await recordAccountEvent(tx, { accountId: account.id, type: 'account.reset_code_sent', ip, client: text(request.client) });
    await replaceAccountCode(tx, {
      id: newId(ID_PREFIX.code),
      accountId: account.id,
      purpose: 'account_reset',
      codeHash,
      expiresAt: new Date(now.getTime() + ACCOUNT_CODE_TTL_MS),
    });
    const resolved = await markResetRequestResolved(tx, row.id, token, { accountId: account.id, email: account.email, code });
    if (!resolved) throw new Error('a locked reset request could not be resolved');
    return ok<Resolution>({ send: resolved });
  });
  if (!decided.ok) throw new Error(`resolving a reset request failed: ${decided.error}`);
  return decided.value;
}
