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
 * One lane per SMTP connection: a pooled transport of one connection, reused for every message sent on it.
 * Not one pool of several connections: a send abandoned at its deadline has its connection closed, and
 * closing a pool closes all of them, failing the sends in flight on the others — one of which a relay may
 * have accepted already, so its retry would deliver it twice. Closing a lane fails only what queued behind
 * the abandoned send on that connection, which had not started.
 */
interface Lane {
  transport: Transporter;
  /** Sends given to this lane and not yet ended. */
  busy: number;
}

let lanes: Lane[] = [];
let lanesKey: string | null = null;

function lanesFor(smtpUrl: string, connections: number): Lane[] {
  const key = `${smtpUrl}#${connections}`;
  if (lanesKey !== key) {
    closeMailTransport();
    lanes = Array.from({ length: connections }, () => ({ transport: nodemailer.createTransport(transportUrlOf(smtpUrl)), busy: 0 }));
    lanesKey = key;
  }
  return lanes;
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
 * `pool` connections (notify: several; otherwise one), each a lane that keeps its connection open; a send
 * goes to the least busy lane. Every send is bounded: nodemailer's connection, greeting and socket
 * timeouts, and an overall deadline (`sendDeadlineMs`). At the deadline the send's lane is closed (its
 * connection dropped, so the abandoned send cannot finish later behind the caller's back) and replaced, and
 * the send fails with MailDeadlineExceeded; sends on the other connections go on.
 */
export function smtpMailer(config: MailConfig = mailConfig(), opts: { pool?: number } = {}): Mailer {
  return {
    async send(mail) {
      if (!config.smtpUrl) throw new Error('SMTP_URL is not configured');
      const all = lanesFor(config.smtpUrl, opts.pool ?? 1);
      const lane = all.reduce((best, l) => (l.busy < best.busy ? l : best));
      lane.busy++;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const i = lanes.indexOf(lane);
          if (i >= 0) lanes[i] = { transport: nodemailer.createTransport(transportUrlOf(config.smtpUrl!)), busy: 0 };
          // `force`: the busy connection too, the abandoned send's (typed without the option)
          (lane.transport.close as (opts?: { force?: boolean }) => void).call(lane.transport, { force: true });
          reject(new MailDeadlineExceeded(config.sendDeadlineMs));
        }, config.sendDeadlineMs);
      });
      const sending = lane.transport.sendMail({
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
        lane.busy--;
      }
    },
  };
}

/**
 * nodemailer reads transport options from the URL's query: its timeouts (each at most the overall
 * deadline), and one pooled connection, reused for every message of its lane.
 */
function transportUrlOf(url: string): string {
  const u = new URL(url);
  const set = (k: string, v: number) => {
    if (!u.searchParams.has(k)) u.searchParams.set(k, String(v));
  };
  set('connectionTimeout', SMTP_CONNECTION_TIMEOUT_MS);
  set('greetingTimeout', SMTP_GREETING_TIMEOUT_MS);
  set('socketTimeout', SMTP_SOCKET_TIMEOUT_MS);
  u.searchParams.set('pool', 'true');
  u.searchParams.set('maxConnections', '1');
  u.searchParams.set('maxMessages', '100000');
  return u.toString();
}

/** Closes every lane's connection. */
export function closeMailTransport(): void {
  for (const lane of lanes) lane.transport.close();
  lanes = [];
  lanesKey = null;
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
