/** Reading passphrase-change codes from the real stack's SMTP sink, the way a user reads email. */
import { extractCode, type SmtpSink } from '../../../test/support/smtp';

/**
 * Call before the action that sends the email; the returned function waits for the first NEW
 * message to `to` and returns the code in it. Messages that were already there are ignored, so an
 * earlier code for the same address can never be picked up by mistake.
 */
export function expectCodeEmail(smtp: SmtpSink, to: string): () => Promise<string> {
  const before = new Set(smtp.messagesTo(to));
  return async () => {
    const message = await smtp.waitForMessage(
      (m) => !before.has(m) && m.to.some((r) => r.toLowerCase() === to.toLowerCase()),
      15_000,
    );
    return extractCode(message);
  };
}
