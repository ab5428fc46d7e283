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

it('a refused reset-code email is logged without the address the server quoted', async () => {
  const email = 'quoted.person@example.com';
  const account = await newAccount(email, 'pass');
  expect((await h.auth.post('/auth/signup', account.signupBody)).status).toBe(200);
  process.env.SMTP_URL = `smtp://127.0.0.1:${(refusing.server.address() as AddressInfo).port}`;
  resetConfig();
  expect((await h.auth.post('/auth/send-reset-code', { email })).status).toBe(200);
  const warning = lines.find((l) => l.includes('reset_code_mail_failed'));
  expect(warning).toBeDefined();
  expect(JSON.parse(warning!).err).toMatchObject({ responseCode: 550, smtpCode: 'EENVELOPE' });
  expect(lines.join('\n')).not.toContain('quoted.person');
});
