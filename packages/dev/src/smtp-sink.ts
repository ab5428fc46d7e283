import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { parseAddressHeader, simpleParser, type AddressObject, type HeaderValue, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A local SMTP server that accepts every message and keeps it (docs/architecture.md §10): for `pnpm start`
 * it writes each one to `.data/mail/`, for tests it holds them in memory and lets a test wait for one.
 * Loopback only, no AUTH, no STARTTLS.
 */

export interface SinkMessage {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO): who the message was actually delivered to, Bcc included. */
  to: string[];
  subject: string;
  /** The text/plain body, decoded, with \n line endings. */
  text: string;
  html?: string;
  /**
   * All top-level headers, names lower-cased, repeated ones joined with ", ". Values as sent (unfolded),
   * except where they carry encoded words: then as mailparser decodes them, display names quoted.
   * mailparser decodes encoded words in Subject, address headers, Message-ID and the MIME headers only.
   */
  headers: Record<string, string>;
  /** The message as received (after SMTP dot-unstuffing). */
  raw: string;
  receivedAt: Date;
  /** The .eml file, when the sink writes to a directory. */
  file?: string;
}

export interface SmtpSinkOptions {
  /** Default 0: a free port. */
  port?: number;
  host?: string;
  /** Write each message as `<timestamp>-<n>.eml` here (created if missing). */
  dir?: string;
  onMessage?: (message: SinkMessage) => void;
  /** Reject messages bigger than this (default 10 MiB). */
  maxSize?: number;
  /**
   * Awaited before the sink answers a MAIL FROM, with the session's number (1 for the first connection):
   * tests make a slow server with it. A client that hung up meanwhile sends nothing.
   */
  beforeMailFrom?: (session: number) => Promise<void>;
  /**
   * Asked at each RCPT TO: an SMTP reply code (4xx: try later, 5xx: never) refuses that recipient; null
   * accepts it. Tests make one address fail with it.
   */
  refuseRecipient?: (address: string) => number | null;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL should be. */
  url: string;
  host: string;
  port: number;
  /** Every message received so far, oldest first. */
  messages: SinkMessage[];
  /** Resolves with the first message (already received or arriving later) that matches. */
  waitForMessage(predicate?: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /** Messages to an address (envelope recipient, case-insensitive). */
  messagesTo(address: string): SinkMessage[];
  clear(): void;
  stop(): Promise<void>;
}

function fileStamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && 'value' in v && 'text' in v;
}

/** The first bare address of a parsed address header, looking into groups. */
function firstAddress(header: AddressObject | undefined): string {
  return header?.value.flatMap((a) => a.group ?? [a]).find((a) => a.address)?.address ?? '';
}

/** A decoded header as text, or undefined for the kinds mailparser turns into something else (dates, parameters). */
function headerText(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined; // renamed (x-priority → priority, list-* → list) or dropped
  const items = [value].flat();
  if (items.every((v) => typeof v === 'string')) return items.join(', ');
  if (items.every(isAddressObject)) return items.map((a) => a.text).join(', ');
  return undefined;
}

function headersOf(mail: ParsedMail): Record<string, string> {
  const raw = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    // headerLines hold the header bytes as a latin1 string; raw 8-bit header text (SMTPUTF8) is UTF-8
    const value = Buffer.from(line.slice(line.indexOf(':') + 1), 'latin1')
      .toString('utf8')
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    raw.set(key, [...(raw.get(key) ?? []), value]);
  }
  const headers: Record<string, string> = {};
  for (const [key, values] of raw) {
    const asSent = values.join(', ');
    // mailparser's form quotes every display name, so a header without encoded words stays as sent
    headers[key] = (asSent.includes('=?') ? headerText(mail.headers.get(key)) : undefined) ?? asSent;
  }
  return headers;
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  const maxSize = opts.maxSize ?? 10 * 1024 * 1024;
  const messages: SinkMessage[] = [];
  const waiters = new Set<(m: SinkMessage) => void>();
  let count = 0;
  let sessions = 0;
  const sessionNumbers = new Map<string, number>();
  if (opts.dir) await fsp.mkdir(opts.dir, { recursive: true });

  const accept = async (raw: Buffer, envelopeFrom: string, envelopeTo: string[]): Promise<void> => {
    const parsed = await simpleParser(raw, {
      // the body as sent: no text made up from HTML or HTML from text, no cid: links rewritten
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      keepCidLinks: true,
    });
    const receivedAt = new Date();
    const message: SinkMessage = {
      // MAIL FROM:<> (a bounce) leaves the envelope sender empty
      from: envelopeFrom || firstAddress(parsed.from),
      // no fallback to the To header: smtp-server refuses DATA until a RCPT TO has been accepted
      to: envelopeTo,
      subject: parsed.subject ?? '',
      text: (parsed.text ?? '').replace(/\r\n/g, '\n'),
      ...(typeof parsed.html === 'string' ? { html: parsed.html.replace(/\r\n/g, '\n') } : {}),
      headers: headersOf(parsed),
      raw: raw.toString('utf8'),
      receivedAt,
    };
    count += 1;
    if (opts.dir) {
      const file = path.join(opts.dir, `${fileStamp(receivedAt)}-${count}.eml`);
      await fsp.writeFile(file, raw, { mode: 0o600 });
      message.file = file;
    }
    messages.push(message);
    for (const w of [...waiters]) w(message);
    opts.onMessage?.(message);
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    size: maxSize,
    closeTimeout: 250,
    banner: 'Somnus local SMTP sink',
    onConnect(session, callback) {
      const ip = session.remoteAddress;
      if (ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || net.isIP(ip) === 0) {
        sessionNumbers.set(session.id, ++sessions);
        return callback();
      }
      return callback(new Error('only loopback clients are accepted'));
    },
    onMailFrom(_address, session, callback) {
      if (!opts.beforeMailFrom) return callback();
      opts.beforeMailFrom(sessionNumbers.get(session.id) ?? 0).then(
        () => callback(),
        (err: Error) => callback(err),
      );
    },
    onRcptTo(address, _session, callback) {
      const code = opts.refuseRecipient?.(address.address) ?? null;
      if (code === null) return callback();
      const err = new Error(code < 500 ? 'mailbox busy, try again later' : 'no such mailbox') as Error & { responseCode: number };
      err.responseCode = code;
      return callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          const err = new Error('message exceeds the size limit') as Error & { responseCode: number };
          err.responseCode = 552;
          return callback(err);
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        accept(Buffer.concat(chunks), from, to).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      });
    },
  });
  server.on('error', () => undefined); // a client dropping mid-session must not crash the stack

  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.server.off('error', reject);
      resolve((server.server.address() as net.AddressInfo).port);
    });
  });

  let stopped: Promise<void> | undefined;
  return {
    url: `smtp://${host}:${port}`,
    host,
    port,
    messages,
    waitForMessage(predicate = () => true, timeoutMs = 10_000) {
      const existing = messages.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = (m: SinkMessage) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none';
          reject(new Error(`no matching email within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    messagesTo(address) {
      // envelope addresses are compared as sent, so a punycode domain stays punycode
      const want = (parseAddressHeader(address, { flatten: true, decodePunycode: false }).value[0]?.address || address).toLowerCase();
      return messages.filter((m) => m.to.some((t) => t.toLowerCase() === want));
    },
    clear() {
      messages.length = 0;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return stopped;
    },
  };
}
