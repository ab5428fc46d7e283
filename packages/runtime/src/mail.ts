import nodemailer, { type Transporter } from 'nodemailer';
import { loadConfig } from './config';

let transport: Transporter | null = null;
let transportUrl: string | null = null;

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends one email through the configured SMTP server (the local sink under `pnpm start`). Callers
 * decide what a failure means; codes are stored before sending, so a retry just sends a new code.
 */
export async function sendMail(mail: OutgoingMail): Promise<void> {
  const { smtpUrl, mailFrom } = loadConfig();
  if (!smtpUrl) throw new Error('SMTP_URL is not configured');
  if (!transport || transportUrl !== smtpUrl) {
    transport = nodemailer.createTransport(smtpUrl);
    transportUrl = smtpUrl;
  }
  await transport.sendMail({ from: mailFrom, to: mail.to, subject: mail.subject, text: mail.text });
}
