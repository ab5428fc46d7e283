import nodemailer, { type Transporter } from 'nodemailer';
import { mailConfig, SMTP_CONNECTION_TIMEOUT_MS, SMTP_GREETING_TIMEOUT_MS, SMTP_SOCKET_TIMEOUT_MS, type MailConfig } from './config';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** A stable Message-ID (the outbox row's), so a receiver can tell a resent copy from a new email. */
  messageId?: string;
}

/** How use cases send email: a dependency, so that a use case says what it sends and a test can see it. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}

/**
 * One pooled transport of `pool` connections, shared by every send of the process (notify's deliveries all
 * go through it): a message waits in the pool's queue for the first connection to come free.
 *
 * A send abandoned at its deadline is cancelled on its own (nodemailer's per-send AbortSignal): still
 * queued, it is taken out of the queue; being sent, the one connection sending it is closed. Never the pool:
 * closing the pool fails the sends in flight on its other connections, one of which a relay may have
 * accepted already, so that its retry would deliver it twice. Nor a transport per connection, each with a
 * queue of its own (a "lane"): a message queued behind a stalled send would wait for that one connection
 * while the others come free, and fail with it at its deadline without ever being tried.
 */
let transport: Transporter | null = null;
let transportKey: string | null = null;

function transportFor(smtpUrl: string, connections: number): Transporter {
  const key = `${smtpUrl}#${connections}`;
  if (!transport || transportKey !== key) {
    transport?.close();
    transport = nodemailer.createTransport(transportUrlOf(smtpUrl, connections));
    transportKey = key;
  }
  return transport;
}

/** A send abandoned at its deadline (MailConfig.sendDeadlineMs): transient, like a timeout. */
export class MailDeadlineExceeded extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`the SMTP send took longer than ${ms} ms`);
    this.name = 'MailDeadlineExceeded';
  }
}

/**
 * Sends through the configured SMTP server (the local sink under `pnpm start`). Callers decide what a
 * failure means; codes are stored before sending, so a retry just sends a new code.
 *
 * `pool` connections (notify: several; otherwise one), kept open and reused; a send takes the first one
 * free. Every send is bounded: nodemailer's connection, greeting and socket timeouts, and an overall deadline
 * (`sendDeadlineMs`, counted from the call, waiting for a connection included). At the deadline the send is
 * cancelled — taken out of the pool's queue, or its connection closed, so the client sends no more of it —
 * and fails with MailDeadlineExceeded; the sends on the other connections go on.
 */
export function smtpMailer(config: MailConfig = mailConfig(), opts: { pool?: number } = {}): Mailer {
  return {
    async send(mail) {
      if (!config.smtpUrl) throw new Error('SMTP_URL is not configured');
      const used = transportFor(config.smtpUrl, opts.pool ?? 1);
      const abandon = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // rejected before aborting: the abort fails `sending` at once, with nodemailer's AbortError, and the
          // race below must settle with the deadline's own error (what callers log and store as the reason)
          reject(new MailDeadlineExceeded(config.sendDeadlineMs));
          abandon.abort();
        }, config.sendDeadlineMs);
      });
      try {
        const sending = used.sendMail({
          from: config.mailFrom,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          ...(mail.messageId ? { messageId: mail.messageId } : {}),
          signal: abandon.signal,
        });
        sending.catch(() => undefined); // failed by the abort after the race settled: nobody listens any more
        await Promise.race([sending, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * nodemailer reads transport options from the URL's query: its timeouts (each at most the overall
 * deadline) and the pool of `connections` reused for every message.
 */
function transportUrlOf(url: string, connections: number): string {
  const u = new URL(url);
  const set = (k: string, v: number) => {
    if (!u.searchParams.has(k)) u.searchParams.set(k, String(v));
  };
  set('connectionTimeout', SMTP_CONNECTION_TIMEOUT_MS);
  set('greetingTimeout', SMTP_GREETING_TIMEOUT_MS);
  set('socketTimeout', SMTP_SOCKET_TIMEOUT_MS);
  u.searchParams.set('pool', 'true');
  u.searchParams.set('maxConnections', String(connections));
  u.searchParams.set('maxMessages', '100000');
  return u.toString();
}

/** Closes the shared transport: its idle connections now, the others once their sends end. */
export function closeMailTransport(): void {
  transport?.close();
  transport = null;
  transportKey = null;
}

/**
 * What a failed send may log: SMTP servers quote the recipient in their replies, and an address is
 * personal data, so only the error's kind and the server's numeric codes.
 */
export function mailFailureFacts(err: unknown): { type: string; smtpCode: string | null; responseCode: number | null } {
  const e = err as { name?: unknown; code?: unknown; responseCode?: unknown };
  return {
    type: typeof e?.name === 'string' ? e.name : 'Error',
    // not `code`: the logger redacts fields of that name (they are usually emailed codes)
    smtpCode: typeof e?.code === 'string' ? e.code : null,
    responseCode: typeof e?.responseCode === 'number' ? e.responseCode : null,
  };
}
