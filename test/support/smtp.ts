import { startSmtpSink, type SinkMessage, type SmtpSink, type SmtpSinkOptions } from '@somnus/dev/src/smtp-sink';

export { startSmtpSink, type SinkMessage, type SmtpSink, type SmtpSinkOptions };

/** An in-memory SMTP sink on a free loopback port: point SMTP_URL at `sink.url`; stop() in afterAll. */
export function startTestSmtp(opts: Omit<SmtpSinkOptions, 'port'> = {}): Promise<SmtpSink> {
  return startSmtpSink({ ...opts, port: 0 });
}

/** The first run of 6–8 digits in a message's text: the usual shape of an emailed code. */
/** Account codes are 10 characters of an unambiguous alphabet, on a line of their own (functions/auth/src/codes.ts). */
export function extractCode(message: SinkMessage, pattern: RegExp = /^\s+([A-HJ-NP-Z2-9]{10})\s*$/m): string {
  const m = pattern.exec(message.text);
  if (!m) throw new Error(`no code matching ${pattern} in email "${message.subject}":\n${message.text}`);
  return m[1] ?? m[0];
}

/**
 * Mail goes out through the outbox and `notify` after the request answered (docs/architecture.md §11.3):
 * waits until `get()` has at least `n` messages, then a moment more so that an extra one would show, and
 * returns them.
 */
export async function mailsSettled(get: () => SinkMessage[], n: number, timeoutMs = 15_000, quietMs = 400): Promise<SinkMessage[]> {
  const deadline = Date.now() + timeoutMs;
  while (get().length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} emails within ${timeoutMs} ms, got ${get().length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, quietMs));
  return get();
}

/**
 * The most recently queued of some emails: outbox rows are sent concurrently, so the last to arrive is not
 * always the newest. Each carries its outbox row in its Message-ID (`<outbox-<id>@somnus>`).
 */
export function newestQueued(mails: readonly SinkMessage[]): SinkMessage {
  const idOf = (m: SinkMessage) => Number(/<outbox-(\d+)@/.exec(m.headers['message-id'] ?? '')?.[1] ?? -1);
  const newest = [...mails].sort((a, b) => idOf(a) - idOf(b)).at(-1);
  if (!newest) throw new Error('no emails');
  return newest;
}
