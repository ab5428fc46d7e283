import { closeMailTransport, MailDeadlineExceeded, mailConfig, smtpMailer } from '@somnus/runtime';
import { startTestSmtp, type SmtpSink } from '../support/smtp';

/**
 * notify's SMTP connections (packages/runtime/src/mail.ts): a send abandoned at its deadline closes its own
 * connection only. The sends in flight on the others go on — closing them too could fail one the server had
 * already accepted, and its retry would deliver that email twice — and a send waiting for a connection takes
 * the first one free, not one a stalled send holds.
 */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let sink: SmtpSink;

/** A stall "far past the deadline" that ends with the test, so no timer of the server outlives it. */
let endStalls: () => void = () => undefined;
const stallUntilTheEnd = () => new Promise<void>((r) => (endStalls = r));

afterEach(async () => {
  endStalls();
  closeMailTransport();
  await sink?.stop();
});

it('abandons a stalled send at its deadline without failing a send in flight on another connection', async () => {
  // the first connection stalls far past the deadline; the second answers slowly, but within its own
  sink = await startTestSmtp({ beforeMailFrom: (session) => (session === 1 ? stallUntilTheEnd() : sleep(700)) });
  const mailer = smtpMailer({ ...mailConfig(), smtpUrl: sink.url, sendDeadlineMs: 1000 }, { pool: 2 });
  const mail = (to: string) => ({ to, subject: 'Lanes', text: 'One connection each.' });

  const stalled = mailer.send(mail('stalled@example.test')).then(
    () => 'sent',
    (err: unknown) => err,
  );
  await sleep(400);
  // on the other connection, and still in flight when the first send's deadline closes the first connection
  const inFlight = mailer.send(mail('in-flight@example.test')).then(
    () => 'sent',
    (err: unknown) => err,
  );

  expect(await stalled).toBeInstanceOf(MailDeadlineExceeded);
  expect(await inFlight).toBe('sent');
  expect(sink.messagesTo('in-flight@example.test')).toHaveLength(1);
  expect(sink.messagesTo('stalled@example.test')).toHaveLength(0);

  // the pool takes the next sends, on a new connection in place of the closed one
  await Promise.all([mailer.send(mail('after-1@example.test')), mailer.send(mail('after-2@example.test'))]);
  expect(sink.messagesTo('after-1@example.test')).toHaveLength(1);
  expect(sink.messagesTo('after-2@example.test')).toHaveLength(1);
}, 20_000);

it('sends a message waiting for a connection over the first one to come free, not behind a stalled send', async () => {
  // the first connection stalls past the deadline; the second answers quickly
  sink = await startTestSmtp({ beforeMailFrom: (session) => sleep(session === 1 ? 1500 : 200) });
  const mailer = smtpMailer({ ...mailConfig(), smtpUrl: sink.url, sendDeadlineMs: 1000 }, { pool: 2 });
  const mail = (to: string) => ({ to, subject: 'Pool', text: 'The first free connection.' });
  const settled = (p: Promise<void>) => p.then(() => 'sent', (err: unknown) => err);

  const stalled = settled(mailer.send(mail('stalled@example.test')));
  await sleep(50);
  const quick = settled(mailer.send(mail('quick@example.test')));
  await sleep(50);
  // both connections busy: it waits for one, and the second comes free well within its deadline
  const waiting = settled(mailer.send(mail('waiting@example.test')));

  expect(await stalled).toBeInstanceOf(MailDeadlineExceeded);
  expect(await quick).toBe('sent');
  expect(await waiting).toBe('sent');
  expect(sink.messagesTo('waiting@example.test')).toHaveLength(1);
  // the stalled connection was closed at the deadline: once the server answers, nobody is left to send
  await sleep(1000);
  expect(sink.messagesTo('stalled@example.test')).toHaveLength(0);
}, 20_000);

it('ends only its own send at a deadline passed while it waits for a connection', async () => {
  // one connection, answering within the first send's deadline
  sink = await startTestSmtp({ beforeMailFrom: () => sleep(800) });
  const config = { ...mailConfig(), smtpUrl: sink.url };
  // two callers with different deadlines: same URL and size, so they share the process's connection
  const patient = smtpMailer({ ...config, sendDeadlineMs: 3000 }, { pool: 1 });
  const hasty = smtpMailer({ ...config, sendDeadlineMs: 300 }, { pool: 1 });
  const mail = (to: string) => ({ to, subject: 'Pool', text: 'Its own deadline.' });

  const first = patient.send(mail('first@example.test')).then(
    () => 'sent',
    (err: unknown) => err,
  );
  await sleep(50);
  // queued behind the first, and past its deadline while the first is still being sent
  await expect(hasty.send(mail('second@example.test'))).rejects.toBeInstanceOf(MailDeadlineExceeded);
  expect(await first).toBe('sent');
  expect(sink.messagesTo('first@example.test')).toHaveLength(1);
  expect(sink.messagesTo('second@example.test')).toHaveLength(0);
}, 20_000);
