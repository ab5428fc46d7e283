import { getPool } from '@somnus/db';
import { sendSlotsOf, type SendSlots } from './send-slots';
import { linkConfig, mailConfig, smtpMailer, SMTP_SEND_DEADLINE_MS, systemClock, type BaseDeps, type Mailer } from '@somnus/runtime';

/**
 * How long a claim on an outbox row lasts before another delivery may take the row over. It must outlast
 * one whole delivery, or a redelivery sends the same email a second time while the first send is still
 * under way: the function's timeout (NOTIFY_FUNCTION_TIMEOUT_SECONDS, 60 s in infra/functions.ts) bounds
 * the invocation, and the SMTP send deadline (SMTP_SEND_DEADLINE_MS, 30 s at most, packages/runtime/src/config.ts)
 * bounds the send inside it: 120 s > 60 s + 30 s, with room for the database round trips.
 */
export const NOTIFY_CLAIM_LEASE_SECONDS = 120;
/** The `timeoutSeconds` infra gives every function (infra/functions.ts); the lease above is checked against it. */
export const NOTIFY_FUNCTION_TIMEOUT_SECONDS = 60;
if (NOTIFY_CLAIM_LEASE_SECONDS <= NOTIFY_FUNCTION_TIMEOUT_SECONDS + SMTP_SEND_DEADLINE_MS / 1000) {
  throw new Error('the notify claim lease must outlast the function timeout plus the SMTP send deadline');
}
/**
 * How long a delivery may wait for its rows' turns to send (send-slots.ts); a row whose turn has not come
 * by then is given back untried. The last send then ends within the SMTP deadline, so a delivery answers
 * before the function's timeout: 20 s + 30 s < 60 s.
 */
export const NOTIFY_SEND_WAIT_MS = 20_000;
if (NOTIFY_SEND_WAIT_MS + SMTP_SEND_DEADLINE_MS >= NOTIFY_FUNCTION_TIMEOUT_SECONDS * 1000) {
  throw new Error('a notify delivery must end (send budget plus SMTP send deadline) before the function times out');
}

/** What `notify` may touch: the database (outbox and incidents), the SMTP server, where links lead. */
export interface NotifyDeps extends BaseDeps {
  mail: Mailer;
  /** The instance's send slots: at most a few sends queued on the SMTP pool at a time. */
  slots: SendSlots;
  config: NotifyConfig;
}

export interface NotifyConfig {
  /** Tries per email before it is marked failed (below the subscription's 10 deliveries, so we decide first). */
  maxAttempts: number;
  /**
   * A claim older than this belongs to an instance that died: the row may be claimed again. Longer than a
   * delivery can take (NOTIFY_CLAIM_LEASE_SECONDS above); tests shorten it together with SMTP_SEND_DEADLINE_MS.
   */
  claimLeaseSeconds: number;
  /**
   * How long one delivery's rows may wait for their turn to send (NOTIFY_SEND_WAIT_MS above). With the
   * SMTP send deadline it must stay under the claim lease: tests shorten the three together.
   */
  sendWaitMs: number;
  /** Where links in emails lead (SOMNUS_PUBLIC_URL). */
  publicUrl: string;
}

const intEnv = (name: string, fallback: number, min: number, max: number) => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

/** Read per delivery (a few env lookups): tests change the environment between stacks. */
export function notifyConfig(): NotifyConfig {
  const claimLeaseSeconds = intEnv('NOTIFY_CLAIM_LEASE_SECONDS', NOTIFY_CLAIM_LEASE_SECONDS, 1, 3600);
  const sendWaitMs = intEnv('NOTIFY_SEND_WAIT_MS', NOTIFY_SEND_WAIT_MS, 10, NOTIFY_SEND_WAIT_MS);
  if (sendWaitMs + mailConfig().sendDeadlineMs >= claimLeaseSeconds * 1000) {
    throw new Error('NOTIFY_SEND_WAIT_MS plus SMTP_SEND_DEADLINE_MS must stay under NOTIFY_CLAIM_LEASE_SECONDS');
  }
  return { maxAttempts: intEnv('NOTIFY_MAX_ATTEMPTS', 8, 1, 100), claimLeaseSeconds, sendWaitMs, publicUrl: linkConfig().publicUrl };
}

export function notifyDeps(): NotifyDeps {
  // a small pool of SMTP connections, shared by every delivery of this instance (the transport is cached
  // by URL in the runtime): one handshake per connection, not per email
  const connections = intEnv('NOTIFY_SMTP_CONNECTIONS', 5, 1, 50);
  const mail = smtpMailer(mailConfig(), { pool: connections });
  // two sends per connection: the next is ready the moment one ends, and no more wait inside the pool
  return { db: getPool(), clock: systemClock, mail, slots: sendSlotsOf(2 * connections), config: notifyConfig() };
}
