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

let transport: Transporter | null = null;
let transportUrl: string | null = null;

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
 * Every send is bounded: nodemailer's connection, greeting and socket timeouts, and an overall deadline
 * (`sendDeadlineMs`). At the deadline the transport is closed (its connections dropped, so the abandoned
 * send cannot finish later behind the caller's back; other sends in flight on it fail transiently and are
 * retried) and the send fails with MailDeadlineExceeded.
 */
export function smtpMailer(config: MailConfig = mailConfig(), opts: { pool?: number } = {}): Mailer {
  return {
    async send(mail) {
      if (!config.smtpUrl) throw new Error('SMTP_URL is not configured');
      // a pooled transport keeps up to `pool` connections (notify: several; otherwise one) open and reuses
      // them; a pool's busy connections can also be closed, which the deadline below needs
      const key = `${config.smtpUrl}#${opts.pool ?? 0}`;
      if (!transport || transportUrl !== key) {
        transport?.close();
        transport = nodemailer.createTransport(transportUrlOf(config.smtpUrl, opts.pool ?? 1));
        transportUrl = key;
      }
      const used = transport;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          if (transport === used) {
            transport = null;
            transportUrl = null;
          }
          // `force`: the busy connections too, the abandoned send's among them (typed without the option)
          (used.close as (opts?: { force?: boolean }) => void).call(used, { force: true });
          reject(new MailDeadlineExceeded(config.sendDeadlineMs));
        }, config.sendDeadlineMs);
      });
      const sending = used.sendMail({
        from: config.mailFrom,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        ...(mail.messageId ? { messageId: mail.messageId } : {}),
      });
      sending.catch(() => undefined); // settled after the deadline: nobody listens any more
      try {
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

/** Closes the shared transport (and a pool's connections). */
export function closeMailTransport(): void {
  transport?.close();
  transport = null;
  transportUrl = null;
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
