import { getPool } from '@somnus/db';
import { linkConfig, mailConfig, smtpMailer, systemClock, type BaseDeps, type Mailer } from '@somnus/runtime';

/** What `notify` may touch: the database (outbox and incidents), the SMTP server, where links lead. */
export interface NotifyDeps extends BaseDeps {
  mail: Mailer;
  config: NotifyConfig;
}

export interface NotifyConfig {
  /** Tries per email before it is marked failed (below the subscription's 10 deliveries, so we decide first). */
  maxAttempts: number;
  /** A claim older than this belongs to an instance that died: the row may be claimed again. */
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
    claimLeaseSeconds: intEnv('NOTIFY_CLAIM_LEASE_SECONDS', 120, 1, 3600),
    publicUrl: linkConfig().publicUrl,
  };
}

export function notifyDeps(): NotifyDeps {
  // a small pool of SMTP connections, shared by every delivery of this instance (the transport is cached
  // by URL in the runtime): one handshake per connection, not per email
  const mail = smtpMailer(mailConfig(), { pool: intEnv('NOTIFY_SMTP_CONNECTIONS', 5, 1, 50) });
  return { db: getPool(), clock: systemClock, mail, config: notifyConfig() };
}
