import nodemailer, { type Transporter } from 'nodemailer';
import { mailConfig, type MailConfig } from './config';

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

/**
 * Sends through the configured SMTP server (the local sink under `pnpm start`). Callers decide what a
 * failure means; codes are stored before sending, so a retry just sends a new code.
 */
export function smtpMailer(config: MailConfig = mailConfig(), opts: { pool?: number } = {}): Mailer {
  return {
    async send(mail) {
      if (!config.smtpUrl) throw new Error('SMTP_URL is not configured');
      // a pooled transport (notify) keeps up to `pool` connections open and reuses them
      const key = `${config.smtpUrl}#${opts.pool ?? 0}`;
      if (!transport || transportUrl !== key) {
        transport?.close();
        transport = nodemailer.createTransport(opts.pool ? pooledUrl(config.smtpUrl, opts.pool) : config.smtpUrl);
        transportUrl = key;
      }
      await transport.sendMail({
        from: config.mailFrom,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        ...(mail.messageId ? { messageId: mail.messageId } : {}),
      });
    },
  };
}

/** nodemailer reads transport options from the URL's query: a pool of `connections`, each reused for every message. */
function pooledUrl(url: string, connections: number): string {
  const u = new URL(url);
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
