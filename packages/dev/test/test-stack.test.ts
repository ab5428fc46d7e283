import { queryRows } from '../../../test/support/database';
import { startTestStack, type TestStack } from '../../../test/support/stack';

/** The e2e harness: real functions behind the gateway, on a fresh database and SMTP sink. */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

it('serves the real functions through the gateway on loopback', async () => {
  expect(stack.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const whoami = await fetch(`${stack.baseUrl}/auth/whoami`);
  expect(whoami.status).toBe(401); // answered by the auth function: no session
  expect(whoami.headers.get('content-type')).toBe('application/json');
  expect(((await whoami.json()) as { error: string }).error).toBe('UNAUTHORIZED');

  const keys = await fetch(`${stack.baseUrl}/v1/keys`);
  expect(keys.status).toBe(401);

  const nope = await fetch(`${stack.baseUrl}/nope`);
  expect(nope.status).toBe(404);
  expect(await nope.json()).toEqual({ error: 'NOT_FOUND', message: expect.any(String) });
});

it('configures the functions through env: the app role on the test database, the sink, a server secret', async () => {
  expect(process.env.DATABASE_URL).toBe(stack.db.appUrl);
  expect(process.env.SMTP_URL).toBe(stack.smtp.url);
  expect(process.env.SOMNUS_SERVER_SECRET).toMatch(/^[0-9a-f]{64}$/);
  expect(await queryRows(stack.db.appUrl, 'SELECT current_user AS u, current_database() AS d')).toEqual([
    { u: 'somnus_app', d: stack.db.name },
  ]);
});

it('stop() drops the database', async () => {
  const name = stack.db.name;
  await stack.stop();
  const adminUrl = stack.db.adminUrl.replace(/\/[^/]*$/, '/postgres');
  expect(await queryRows(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).toEqual([]);
});
