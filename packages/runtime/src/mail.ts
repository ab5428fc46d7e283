import nodemailer, { type Transporter } from 'nodemailer';
import { mailConfig, type MailConfig } from './config';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
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
export function smtpMailer(config: MailConfig = mailConfig()): Mailer {
  return {
    async send(mail) {
      if (!config.smtpUrl) throw new Error('SMTP_URL is not configured');
      if (!transport || transportUrl !== config.smtpUrl) {
        transport = nodemailer.createTransport(config.smtpUrl);
        transportUrl = config.smtpUrl;
      }
      await transport.sendMail({ from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
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
