import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { resetConfig, setLogDestination } from '@somnus/runtime';
import { newAccount } from '../support/accounts';
import { startFunctions } from '../support/function-server';

/**
 * SMTP servers quote the recipient when they refuse one. When a send fails, the warning we log must not
 * carry the address (personal data) — only what kind of failure it was.
 */

const lines: string[] = [];
let h: Awaited<ReturnType<typeof startFunctions>>;
let refusing: SMTPServer;

beforeAll(async () => {
  setLogDestination({ write: (line: string) => void lines.push(line) });
  h = await startFunctions('auth');
  refusing = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const err = new Error(`<${address.address}>: Recipient address rejected: User unknown`) as Error & { responseCode: number };
      err.responseCode = 550;
      callback(err);
    },
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  setLogDestination(process.stdout);
  await new Promise<void>((resolve) => refusing.close(() => resolve()));
  await h?.stop();
});

it('a refused reset-code email is recorded and logged without the address the server quoted', async () => {
  const email = 'quoted.person@example.com';
  const account = await newAccount(email, 'pass');
  expect((await h.auth.post('/auth/signup', account.signupBody)).status).toBe(200);
  process.env.SMTP_URL = `smtp://127.0.0.1:${(refusing.server.address() as AddressInfo).port}`;
  resetConfig();
  expect((await h.auth.post('/auth/send-reset-code', { email })).status).toBe(200);
  // the email goes through the outbox: notify gets a 550 (permanent) and marks the row failed at once
  let row: { state: string; last_error: string | null; data: unknown } | undefined;
  for (let i = 0; i < 200 && row?.state !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    row = (await h.db.query(`SELECT state, last_error, data FROM mail_outbox WHERE kind = 'reset_request' ORDER BY id DESC LIMIT 1`)).rows[0];
  }
  expect(row).toMatchObject({ state: 'failed', last_error: expect.stringContaining('550') });
  // the code is not kept once the row is settled
  expect(row!.data).toEqual({});
  expect(row!.last_error).not.toContain('quoted.person');
  expect(lines.join('\n')).not.toContain('quoted.person');
});
