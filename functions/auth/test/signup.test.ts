import { startFunctions } from '../../../test/support/function-server';
import { newAccount } from '../../../test/support/accounts';

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth');
});
afterAll(async () => h?.stop());

async function accountCount(): Promise<number> {
  const { rows } = await h.db.query('SELECT count(*)::int AS n FROM accounts');
  return rows[0].n;
}

describe('POST /auth/signup', () => {
  it('creates an account with a server-assigned id and a normalised email', async () => {
    const account = await newAccount(' Jane.Doe@Example.COM ');
    const res = await h.http.post('/auth/signup', account.signupBody);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.body.accountId).toMatch(/^acct_[0-9a-f]{32}$/);
    expect(res.body.email).toBe('jane.doe@example.com');
    const { rows } = await h.db.query('SELECT * FROM accounts WHERE id = $1', [res.body.accountId]);
    expect(rows[0]).toMatchObject({
      email: 'jane.doe@example.com',
      srp_profile: 'insomnia',
      salt_auth: account.material.saltAuth,
      verifier: account.signupBody.verifier,
      enc_symmetric_key: account.material.encSymmetricKey,
    });
    const events = await h.db.query('SELECT type FROM account_audit_events WHERE account_id = $1', [res.body.accountId]);
    expect(events.rows.map((r) => r.type)).toEqual(['account.signup']);
  });

  it('answers 409 EMAIL_TAKEN for the same email in another case and creates nothing', async () => {
    const first = await newAccount('dup@example.com');
    expect((await h.http.post('/auth/signup', first.signupBody)).status).toBe(200);
    const before = await accountCount();
    const again = await newAccount('DUP@Example.com');
    const res = await h.http.post('/auth/signup', again.signupBody);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'EMAIL_TAKEN', message: expect.any(String) });
    expect(await accountCount()).toBe(before);
  });

  it('keeps the profile chosen at signup', async () => {
    const account = await newAccount('rfc@example.com', 'pass', 'rfc2945');
    const res = await h.http.post('/auth/signup', account.signupBody);
    expect(res.status).toBe(200);
    const { rows } = await h.db.query('SELECT srp_profile FROM accounts WHERE id = $1', [res.body.accountId]);
    expect(rows[0].srp_profile).toBe('rfc2945');
  });

  describe('rejects every malformed field with 400 and changes nothing', () => {
    let valid: Record<string, unknown>;
    beforeAll(async () => {
      valid = (await newAccount('valid-shape@example.com')).signupBody;
    });
    const publicJwk = (over: Record<string, unknown>) => (b: Record<string, unknown>) =>
      JSON.stringify({ ...JSON.parse(b.publicKey as string), ...over });
    const cases: Array<[string, (b: Record<string, unknown>) => Record<string, unknown>]> = [
      ['email missing', ({ email, ...b }) => b],
      ['email not an email', (b) => ({ ...b, email: 'not-an-email' })],
      ['saltKey too short', (b) => ({ ...b, saltKey: 'ab'.repeat(31) })],
      ['saltAuth uppercase hex', (b) => ({ ...b, saltAuth: (b.saltAuth as string).toUpperCase() })],
      ['saltEnc not hex', (b) => ({ ...b, saltEnc: 'z'.repeat(64) })],
      ['verifier 510 hex', (b) => ({ ...b, verifier: (b.verifier as string).slice(2) })],
      ['verifier a number', (b) => ({ ...b, verifier: 12345 })],
      ['publicKey not JSON', (b) => ({ ...b, publicKey: 'not json' })],
      ['publicKey wrong alg', (b) => ({ ...b, publicKey: publicJwk({ alg: 'RSA-OAEP' })(b) })],
      ['publicKey without encrypt op', (b) => ({ ...b, publicKey: publicJwk({ key_ops: ['decrypt'] })(b) })],
      ['publicKey short modulus', (b) => ({ ...b, publicKey: publicJwk({ n: 'AQAB' })(b) })],
      ['encPrivateKey missing tag', (b) => ({ ...b, encPrivateKey: JSON.stringify({ iv: '00'.repeat(12), d: 'aa', ad: '' }) })],
      ['encSymmetricKey an object, not a string', (b) => ({ ...b, encSymmetricKey: JSON.parse(b.encSymmetricKey as string) })],
      ['encSymmetricKey IV of 16 bytes', (b) => ({ ...b, encSymmetricKey: JSON.stringify({ ...JSON.parse(b.encSymmetricKey as string), iv: '00'.repeat(16) }) })],
      ['unknown srpProfile', (b) => ({ ...b, srpProfile: 'srp3' })],
      ['firstName too long', (b) => ({ ...b, firstName: 'x'.repeat(101) })],
    ];
    it.each(cases)('%s', async (_name, mutate) => {
      const before = await accountCount();
      const res = await h.http.post('/auth/signup', mutate(valid));
      expect(res.status).toBe(400);
      expect(res.contentType).toBe('application/json');
      expect(res.body).toEqual({ error: 'VALIDATION_ERROR', message: expect.any(String) });
      expect(await accountCount()).toBe(before);
    });

    it('a body that is a JSON array', async () => {
      const res = await h.http.post('/auth/signup', [valid]);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_ERROR');
    });

    it('a body over the size limit gets 413', async () => {
      const before = await accountCount();
      const res = await h.http.post('/auth/signup', { ...valid, firstName: 'x'.repeat(70 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('PAYLOAD_TOO_LARGE');
      expect(await accountCount()).toBe(before);
    });

    it('malformed JSON is refused with a JSON 400 that leaks no stack trace and creates nothing', async () => {
      // functions-framework's body parser refuses it before the router; the body guard answers in the route's contract
      const before = await accountCount();
      const res = await h.http.post('/auth/signup', '{"email": "x@example.com",', { 'Content-Type': 'application/json' });
      expect({ status: res.status, contentType: res.contentType, error: res.body.error }).toEqual({ status: 400, contentType: 'application/json', error: 'VALIDATION_ERROR' });
      expect(res.text).not.toMatch(/SyntaxError|node_modules|at JSON\.parse|x@example\.com/);
      expect(await accountCount()).toBe(before);
    });

    it('a JSON body sent as text/plain gets 415 and creates nothing', async () => {
      const before = await accountCount();
      const res = await h.http.post('/auth/signup', JSON.stringify(valid), { 'Content-Type': 'text/plain' });
      expect(res.status).toBe(415);
      expect(res.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await accountCount()).toBe(before);
    });
  });
});
