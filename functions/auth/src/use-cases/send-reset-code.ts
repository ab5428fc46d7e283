import crypto from 'node:crypto';
import { countSourceRequest, enqueueMail } from '@somnus/db';
import { auditMeta, dispatchSoon, mailRecipientHash, newCode, ok, type Anonymous, type Result } from '@somnus/runtime';
import { hashCode } from '../codes';
import type { AuthDeps } from '../deps';
import { MAX_RESET_CODE_REQUESTS_PER_IP, RESET_CODE_REQUEST_WINDOW_SECONDS } from '../policy';
import { rateLimited, requestRetryAfter } from '../rate-limit';

/**
 * Asks for a single-use code that allows resetting the account after a forgotten passphrase. The request
 * does the same work for every email, whether it has an account or not (issue 9 §5): it writes one
 * `reset_request` outbox row — the address, a fresh code with its HMAC, the address's ledger hash, and the
 * source (IP, client) — in one statement, and answers `{ok: true}`. Neither the answer nor the statements
 * the request makes tell which emails have accounts.
 *
 * `notify` handles the row after the answer (docs/architecture.md §11.3): it looks the account up, applies
 * the limits (20 an hour per account; the mail limits per (recipient, source), per recipient and per
 * source, §11.1), stores the code's HMAC and sends the email, once per row; an unknown email or a request
 * over a limit is settled as `skipped` and sends nothing. The code and hashes are computed here, where the
 * server secret is, so `notify` needs no secret besides its database and SMTP.
 *
 * The code goes to unverified addresses too: it is how whoever reads a mailbox takes back an address
 * someone else signed up with (a reset replaces the keys and the sessions, and verifies the address), and
 * anyone can already have codes mailed to any verified account's address within the same limits.
 */
export async function sendResetCode(deps: AuthDeps, actor: Anonymous, input: { email: string }): Promise<Result<{ ok: true }>> {
  // per source, before anything else and the same for every email: a flood of requests for made-up
  // addresses (each an outbox row) ends here, and a 429 says nothing about any account
  const meta = auditMeta(actor);
  const asked = meta.ip ? await countSourceRequest(deps.db, { scope: 'reset-code:ip', ip: meta.ip, windowSeconds: RESET_CODE_REQUEST_WINDOW_SECONDS }) : null;
  const wait = requestRetryAfter(asked, MAX_RESET_CODE_REQUESTS_PER_IP, deps.clock.now());
  if (wait !== null) return rateLimited(wait, 'Too many reset codes asked from this address; try again later');
  const code = newCode();
  const outboxId = await enqueueMail(deps.db, {
    kind: 'reset_request',
    dedupeKey: `reset_request:${crypto.randomBytes(16).toString('hex')}`,
    accountId: null,
    email: input.email,
    data: {
      secret: {
        code,
        codeHash: hashCode(deps.config.serverSecret, code).toString('hex'),
        recipientHash: mailRecipientHash(deps.config.serverSecret, input.email).toString('hex'),
      },
      request: meta,
    },
  });
  if (outboxId) dispatchSoon(deps.db, [outboxId]);
  return ok({ ok: true as const });
}
