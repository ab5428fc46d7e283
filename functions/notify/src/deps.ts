import { getPool } from '@somnus/db';
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

/** What `notify` may touch: the database (outbox and incidents), the SMTP server, where links lead. */
export interface NotifyDeps extends BaseDeps {
  mail: Mailer;
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
  return {
    maxAttempts: intEnv('NOTIFY_MAX_ATTEMPTS', 8, 1, 100),
    claimLeaseSeconds: intEnv('NOTIFY_CLAIM_LEASE_SECONDS', NOTIFY_CLAIM_LEASE_SECONDS, 1, 3600),
    publicUrl: linkConfig().publicUrl,
  };
}

export function notifyDeps(): NotifyDeps {
  // a small pool of SMTP connections, shared by every delivery of this instance (the transport is cached
  // by URL in the runtime): one handshake per connection, not per email
  const mail = smtpMailer(mailConfig(), { pool: intEnv('NOTIFY_SMTP_CONNECTIONS', 5, 1, 50) });
  return { db: getPool(), clock: systemClock, mail, config: notifyConfig() };
}
