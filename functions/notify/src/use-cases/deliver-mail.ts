import crypto from 'node:crypto';
import { claimManyForSend, markFailed, markRetry, outboxStatesOf, releaseUntried, SETTLED_OUTBOX_STATES, type OutboxRow } from '@somnus/db';
import { errorFacts, fail, logger, mailFailureFacts, ok, type RenderedMail, type Result } from '@somnus/runtime';
import type { NotifyDeps } from '../deps';
import { renderOutboxMail, Unrenderable } from '../render';
import { SentRows } from '../sent-rows';
import { resolveResetRequest } from './resolve-reset-request';

export interface DeliverInput {
  /** The rows one message names (validated by the topic's schema, at most OUTBOX_MESSAGE_MAX_ROWS). */
  outboxIds: readonly string[];
}

/**
 * What became of each row of the message, counted. Acknowledged as a whole only when none of the rows
 * needs the message again:
 * - `sent`; `duplicate` (already settled: a redelivery); `failed` (given up: last attempt, a permanent
 *   refusal, unrenderable); `skipped` (a reset request that sends nothing); `unknown` (no such row);
 * - to come again: `retry` (a transient SMTP failure), `untried` (its turn to send did not come within the
 *   delivery's send budget; the attempt is given back), `busy` (another instance holds a live claim),
 *   `lost` (a claim that expired while a reset request was decided).
 */
export interface DeliveryCounts {
  sent: number;
  duplicate: number;
  failed: number;
  skipped: number;
  unknown: number;
  retry: number;
  untried: number;
  busy: number;
  lost: number;
}

type RowOutcome = 'sent' | 'failed' | 'skipped' | 'retry' | 'untried' | 'lost';

const AGAIN: readonly (keyof DeliveryCounts)[] = ['retry', 'untried', 'busy', 'lost'];

/**
 * An SMTP answer that no retry changes: a 5xx reply to the message (mailbox unknown, message refused).
 * Connection failures, timeouts and 4xx replies are transient.
 */
export function isPermanentSmtpFailure(err: unknown): boolean {
  const { responseCode } = mailFailureFacts(err);
  return responseCode !== null && responseCode >= 500 && responseCode < 600;
}

/** The failure as stored and shown to operators: kind and codes, never the server's text (it quotes the address). */
function reasonOf(err: unknown): string {
  const f = mailFailureFacts(err);
  return [f.type, f.smtpCode, f.responseCode].filter((x) => x !== null && x !== undefined).join(' ');
}

/**
 * Sends the emails of one message's outbox rows, each once (docs/architecture.md §11.3):
 *  1. claim the rows in one statement with a fresh token (counting an attempt each) — a settled row, or one
 *     another instance is sending right now, is not claimed;
 *  2. for each claimed row, at once: a reset request not yet decided is decided now, once
 *     (resolve-reset-request.ts); render the email; wait for a send slot (send-slots.ts) at most until the
 *     send budget (NOTIFY_SEND_WAIT_MS from the start) — a row whose turn does not come is given back untried;
 *     send it over SMTP;
 *  3. settle each row with the token as its send ends: sent (several rows per statement, sent-rows.ts); on a
 *     transient failure back to waiting; failed after the last attempt or a permanent refusal.
 * A row that throws before its send is given back at once, its attempt counted (giveBackBroken); one whose
 * earlier attempts all ended without an answer is failed untried: a bad row never holds its message for good.
 * The message is acknowledged when every row is settled; otherwise it fails and Pub/Sub delivers it again,
 * when the rows already sent are acknowledged without sending. An instance killed between 1 and 3 leaves
 * claims that expire after the lease; the next delivery takes those rows over.
 */
export async function deliverMails(deps: NotifyDeps, input: DeliverInput): Promise<Result<DeliveryCounts>> {
  const counts: DeliveryCounts = { sent: 0, duplicate: 0, failed: 0, skipped: 0, unknown: 0, retry: 0, untried: 0, busy: 0, lost: 0 };
  const ids = [...new Set(input.outboxIds)].filter((id) => {
    const valid = isOutboxId(id);
    if (!valid) counts.unknown++;
    return valid;
  });
  if (ids.length === 0) return ok(counts);

  const sendBy = performance.now() + deps.config.sendWaitMs;
  const token = crypto.randomBytes(16).toString('hex');
  const claimed = await claimManyForSend(deps.db, ids, token, deps.config.claimLeaseSeconds);
  if (claimed.length < ids.length) {
    const mine = new Set(claimed.map((r) => r.id));
    const states = await outboxStatesOf(deps.db, ids.filter((id) => !mine.has(id)));
    for (const id of ids) {
      if (mine.has(id)) continue;
      const state = states.get(id);
      if (state === undefined) counts.unknown++;
      else if (SETTLED_OUTBOX_STATES.includes(state)) counts.duplicate++;
      // another instance holds a live claim: ask for the message again later, when it has settled or expired
      else counts.busy++;
    }
  }

  const sent = new SentRows(deps.db, token);
  const outcomes = await Promise.allSettled(claimed.map((row) => deliverRow(deps, row, token, sendBy, sent)));
  const untried = claimed.filter((_, i) => {
    const o = outcomes[i]!;
    return o.status === 'fulfilled' && o.value === 'untried';
  });
  if (untried.length > 0) await releaseUntried(deps.db, untried.map((r) => r.id), token);
  for (const o of outcomes) {
    // a database failure: the message comes again; rows settled meanwhile are acknowledged then
    if (o.status === 'rejected') throw o.reason;
    counts[o.value]++;
  }

  const again = AGAIN.filter((k) => counts[k] > 0);
  if (again.length > 0) {
    return fail('SERVICE_UNAVAILABLE', `rows to deliver again: ${again.map((k) => `${counts[k]} ${k}`).join(', ')} (of ${input.outboxIds.length})`);
  }
  return ok(counts);
}

/** A value of the rows' bigint id: anything else names no row, and must not fail the statement for the others. */
const isOutboxId = (id: string): boolean => /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= 9223372036854775807n;

async function deliverRow(deps: NotifyDeps, claimed: OutboxRow, token: string, sendBy: number, sent: SentRows): Promise<RowOutcome> {
  if (claimed.attempts > deps.config.maxAttempts) {
    // past the last attempt: the earlier ones ended without an answer (an attempt that fails says so, and
    // the last one fails the row) — instances killed on this row, or the database failing as it was settled.
    // One more would likely end the same way, taking the other rows of its message, and the instance's other
    // deliveries, down with it again. Given up; an operator may retry it. (Or NOTIFY_MAX_ATTEMPTS was lowered.)
    await markFailed(deps.db, claimed.id, token, `gave up after ${claimed.attempts - 1} attempts`);
    return 'failed';
  }
  let prepared: { row: OutboxRow; mail: RenderedMail } | RowOutcome;
  try {
    prepared = await prepareRow(deps, claimed, token);
  } catch (err) {
    return giveBackBroken(deps, claimed, token, err);
  }
  if (typeof prepared === 'string') return prepared;
  const { row, mail } = prepared;

  // every email but a breach notice has a message of its own and someone waiting for it: ahead of the batches
  const release = await deps.slots.acquire(sendBy, { first: row.kind !== 'incident' });
  if (!release) return 'untried';
  try {
    await deps.mail.send({ to: row.email, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<outbox-${row.id}@somnus>` });
  } catch (err) {
    const reason = reasonOf(err);
    if (isPermanentSmtpFailure(err) || row.attempts >= deps.config.maxAttempts) {
      await markFailed(deps.db, row.id, token, reason);
      return 'failed';
    }
    await markRetry(deps.db, row.id, token, reason);
    return 'retry';
  } finally {
    release();
  }
  if (!(await sent.settle(row.id))) {
    // our claim expired while sending and another instance took the row over: it may send this email too.
    // The lease outlasts the send budget plus the send deadline (deps.ts), so this should not happen;
    // when it does, say so (ids only, never the address)
    logger().warn(
      { event: 'mail_possible_duplicate', outboxId: row.id, kind: row.kind, attempt: row.attempts },
      'sent an email whose claim had been taken over: the recipient may get it twice',
    );
  }
  return 'sent';
}

/** The email of a claimed row: its reset request decided first, if it is one; or what became of the row instead. */
async function prepareRow(deps: NotifyDeps, claimed: OutboxRow, token: string): Promise<{ row: OutboxRow; mail: RenderedMail } | RowOutcome> {
  let row = claimed;
  if (row.kind === 'reset_request' && !row.account_id) {
    const decided = await resolveResetRequest(deps, row, token);
    if ('lost' in decided) return 'lost';
    if ('skipped' in decided) return 'skipped';
    row = decided.send;
  }
  try {
    return { row, mail: await renderOutboxMail(deps.db, row, deps.config.publicUrl) };
  } catch (err) {
    if (!(err instanceof Unrenderable)) throw err;
    await markFailed(deps.db, row.id, token, `unrenderable: ${err.message}`);
    return 'failed';
  }
}

/**
 * A row that threw before its send (a bug, a statement it makes fail): the other rows of its message go on.
 * This one is given back at once with its attempt counted, so that the next delivery tries it again without
 * waiting out the lease, and failed at its last attempt: a bad row never keeps its message coming back for
 * good. The reason is the error's kind and SQLSTATE, never its text (a driver error quotes values). When the
 * database refuses that too, it is down: the delivery fails, and the claim expires after the lease.
 */
async function giveBackBroken(deps: NotifyDeps, row: OutboxRow, token: string, err: unknown): Promise<RowOutcome> {
  const facts = errorFacts(err);
  const reason = ['error:', facts.type, facts.sqlState].filter((x) => x).join(' ');
  const last = row.attempts >= deps.config.maxAttempts;
  let settled: boolean;
  try {
    settled = last ? await markFailed(deps.db, row.id, token, reason) : await markRetry(deps.db, row.id, token, reason);
  } catch {
    throw err;
  }
  logger().error({ event: 'mail_row_error', outboxId: row.id, kind: row.kind, attempt: row.attempts, err: facts }, 'preparing an email failed: the row is given back');
  if (!settled) return 'lost';
  return last ? 'failed' : 'retry';
}
