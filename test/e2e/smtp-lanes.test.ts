import { closeMailTransport, MailDeadlineExceeded, mailConfig, smtpMailer } from '@somnus/runtime';
import { startTestSmtp, type SmtpSink } from '../support/smtp';

/**
 * notify's SMTP connections (packages/runtime/src/mail.ts): a send abandoned at its deadline closes its own
 * connection only. The sends in flight on the others go on — closing them too could fail one the server had
 * already accepted, and its retry would deliver that email twice.
 */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let sink: SmtpSink;

afterEach(async () => {
  closeMailTransport();
  await sink?.stop();
});

it('abandons a stalled send at its deadline without failing a send in flight on another connection', async () => {
  // the first connection stalls far past the deadline; the second answers slowly, but within its own
  sink = await startTestSmtp({ beforeMailFrom: (session) => sleep(session === 1 ? 5000 : 700) });
  const mailer = smtpMailer({ ...mailConfig(), smtpUrl: sink.url, sendDeadlineMs: 1000 }, { pool: 2 });
  const mail = (to: string) => ({ to, subject: 'Lanes', text: 'One connection each.' });

  const stalled = mailer.send(mail('stalled@example.test')).then(
    () => 'sent',
    (err: unknown) => err,
  );
  await sleep(400);
  // on the other connection, and still in flight when the first send's deadline closes the first connection
  const inFlight = mailer.send(mail('in-flight@example.test'));

  expect(await stalled).toBeInstanceOf(MailDeadlineExceeded);
  await expect(inFlight).resolves.toBeUndefined();
  expect(sink.messagesTo('in-flight@example.test')).toHaveLength(1);
  expect(sink.messagesTo('stalled@example.test')).toHaveLength(0);

  // the closed connection's lane takes the next sends on a new connection
  await Promise.all([mailer.send(mail('after-1@example.test')), mailer.send(mail('after-2@example.test'))]);
  expect(sink.messagesTo('after-1@example.test')).toHaveLength(1);
  expect(sink.messagesTo('after-2@example.test')).toHaveLength(1);
}, 20_000);
