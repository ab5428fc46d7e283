import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import pg from 'pg';
import { loadFunctions } from '@somnus/dev/src/function-loader';
import { resetConfig } from '@somnus/runtime';
import { api, listen } from '../support/api';
import { signupVerified, newAccount } from '../support/accounts';
import { startFunctions } from '../support/function-server';
import { mailsSettled } from '../support/smtp';
import { pushOutboxMessage } from '../support/notify-push';

/**
 * POST /auth/send-reset-code does the same work for every email (issue 9 §5; docs/architecture.md §11.3):
 * one `reset_request` outbox row, then `notify` decides — looks the account up, applies the limits, issues
 * the code and sends the email, once per row; an unknown email or a request over a limit is settled
 * `skipped` without mail. The statements of a request are recorded by wrapping pg's own Pool and Client
 * (not our code), for the requests that carry a test header, through an AsyncLocalStorage entered when the
 * server receives them: timing is not measured.
 */

interface Statement {
  sql: string;
  values: unknown[];
}
const recording = new AsyncLocalStorage<Statement[]>();
const recorded = new Map<string, Statement[]>();
const RECORD = 'x-test-record-statements';
const statementOf = (q: unknown, values: unknown): Statement => {
  const text = typeof q === 'string' ? q : (q as { text: string }).text;
  const vals = (typeof q === 'object' && q && 'values' in q ? (q as { values: unknown[] }).values : Array.isArray(values) ? values : []) ?? [];
  return { sql: text.replace(/\s+/g, ' ').trim(), values: vals };
};

const originalEmit = http.Server.prototype.emit as (this: http.Server, event: string, ...args: unknown[]) => boolean;
const originalPoolQuery = pg.Pool.prototype.query;
const originalClientQuery = pg.Client.prototype.query;

beforeAll(() => {
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const label = (args[0] as http.IncomingMessage).headers[RECORD];
      if (typeof label === 'string') {
        const store: Statement[] = [];
        recorded.set(label, store);
        return recording.run(store, () => originalEmit.call(this, event, ...args));
      }
      return recording.exit(() => originalEmit.call(this, event, ...args));
    }
    return originalEmit.call(this, event, ...args);
  } as typeof http.Server.prototype.emit;
  // Pool#query checks a client out and runs the statement on it with a callback: recorded once, here
  pg.Pool.prototype.query = function (this: pg.Pool, ...args: unknown[]) {
    recording.getStore()?.push(statementOf(args[0], args[1]));
    return (originalPoolQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Pool.prototype.query;
  // statements of a transaction, on a client the code checked out (promise form only: the pool's own call above has a callback)
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (typeof args[args.length - 1] !== 'function') recording.getStore()?.push(statementOf(args[0], args[1]));
    return (originalClientQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
});

afterAll(() => {
  http.Server.prototype.emit = originalEmit;
  pg.Pool.prototype.query = originalPoolQuery;
  pg.Client.prototype.query = originalClientQuery;
});

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeEach(async () => {
  process.env.SOMNUS_TRUSTED_PROXY_HOPS = '1';
  h = await startFunctions('auth');
});
afterEach(async () => {
  await h?.stop();
  delete process.env.SOMNUS_TRUSTED_PROXY_HOPS;
  resetConfig();
});

const from = (ip: string, headers: Record<string, string> = {}) => api(h.auth.baseUrl, { 'X-Forwarded-For': ip, ...headers });
const resetMailsTo = (email: string) => h.smtp.messagesTo(email).filter((m) => /account reset code/.test(m.subject));

async function signUp(email: string): Promise<string> {
  return signupVerified(h.auth, h.smtp, await newAccount(email, 'a passphrase'));
}

interface RequestRow {
  id: string;
  kind: string;
  state: string;
  account_id: string | null;
  email: string;
  data: Record<string, any>;
  last_error: string | null;
}

const rows = async (): Promise<RequestRow[]> =>
  (await h.db.query(`SELECT id, kind, state, account_id, email, data, last_error FROM mail_outbox WHERE kind = 'reset_request' ORDER BY id`)).rows;

/** Waits until every reset request is settled (sent or skipped), and answers the rows. */
async function settled(): Promise<RequestRow[]> {
  for (let i = 0; i < 300; i++) {
    const all = await rows();
    if (all.every((r) => ['sent', 'skipped', 'failed'].includes(r.state))) return all;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`reset requests not settled: ${JSON.stringify((await rows()).map((r) => r.state))}`);
}

/** The dispatcher's statements, which publish the row after the answer (and race the sweeper for it). */
const isDispatch = (sql: string) => /^UPDATE mail_outbox SET (dispatch_until|published_at)/.test(sql);

describe('send-reset-code does the same work for every email', () => {
  it('a known and an unknown email make the same statements and write the same row; only the known one gets mail', async () => {
    await signUp('known@reset-requests.test');
    const ask = async (label: string, email: string) => {
      const res = await from('203.0.113.9', { [RECORD]: label }).post('/auth/send-reset-code', { email });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    };
    // an address of the same length, so even the row's size cannot differ
    await ask('known', 'known@reset-requests.test');
    await ask('unknown', 'nopeo@reset-requests.test');
    const all = await settled();

    const known = recorded.get('known')!.filter((s) => !isDispatch(s.sql));
    const unknown = recorded.get('unknown')!.filter((s) => !isDispatch(s.sql));
    expect(known.map((s) => s.sql)).toEqual(unknown.map((s) => s.sql));
    // two statements: the source's request count, then the outbox row (no account lookup, no transaction)
    expect(known.map((s) => s.sql)).toEqual([expect.stringMatching(/^INSERT INTO rate_counters /), expect.stringMatching(/^INSERT INTO mail_outbox /)]);
    known.shift();
    unknown.shift();
    // the rows as the requests wrote them: the same values but for the address, and random ones of the same shape
    const shape = (values: unknown[]) =>
      JSON.stringify(values)
        .replace(/[0-9a-f]{32,64}/g, (m) => `hex${m.length}`)
        .replace(/\\"code\\":\\"[A-Z2-9]{10}\\"/, 'code')
        .replace(/(known|nopeo)@/, 'address@');
    expect(shape(known[0]!.values)).toEqual(shape(unknown[0]!.values));
    expect(known[0]!.values).toEqual(['reset_request', expect.stringMatching(/^reset_request:[0-9a-f]{32}$/), null, 'known@reset-requests.test', expect.any(String)]);
    expect(JSON.parse(known[0]!.values[4] as string)).toEqual({
      secret: { code: expect.stringMatching(/^[A-Z2-9]{10}$/), codeHash: expect.stringMatching(/^[0-9a-f]{64}$/), recipientHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      request: { ip: '203.0.113.9', client: expect.anything() },
    });

    // notify: the known email gets its code, the unknown one's row is settled without mail, and keeps nothing
    expect(await mailsSettled(() => resetMailsTo('known@reset-requests.test'), 1)).toHaveLength(1);
    const [k, u] = all as [RequestRow, RequestRow];
    expect(k).toMatchObject({ state: 'sent', email: 'known@reset-requests.test', data: {} });
    expect(k.account_id).toMatch(/^acct_/);
    expect(u).toMatchObject({ state: 'skipped', last_error: 'no account', email: '', account_id: null, data: {} });
    expect(h.smtp.messagesTo('nopeo@reset-requests.test')).toEqual([]);
    const { rows: events } = await h.db.query(`SELECT type FROM account_audit_events WHERE type = 'account.reset_code_sent'`);
    expect(events).toHaveLength(1);
  });

  it('the limits hold in notify: the 6th code in an hour from one source, and the 21st from any, send nothing', async () => {
    const id = await signUp('limited@reset-requests.test');
    for (let i = 0; i < 6; i++) expect((await from('203.0.113.20').post('/auth/send-reset-code', { email: 'limited@reset-requests.test' })).body).toEqual({ ok: true });
    // rows are decided concurrently: which of the six is skipped depends on the order they arrive in
    const decided = await settled();
    expect(decided.filter((r) => r.state === 'sent')).toHaveLength(5);
    expect(decided.filter((r) => r.state === 'skipped')).toEqual([expect.objectContaining({ last_error: 'limit: pair', email: '', account_id: null, data: {} })]);
    expect(await mailsSettled(() => resetMailsTo('limited@reset-requests.test'), 5)).toHaveLength(5);

    // 20 an hour per account from all sources together: three more sources give 15, the 21st sends nothing
    for (const ip of ['203.0.113.21', '203.0.113.22', '203.0.113.23']) {
      for (let i = 0; i < 5; i++) await from(ip).post('/auth/send-reset-code', { email: 'limited@reset-requests.test' });
    }
    await settled();
    expect(await mailsSettled(() => resetMailsTo('limited@reset-requests.test'), 20)).toHaveLength(20);
    await from('203.0.113.24').post('/auth/send-reset-code', { email: 'limited@reset-requests.test' });
    expect((await settled()).at(-1)).toMatchObject({ state: 'skipped', last_error: 'limit: account' });
    expect(await mailsSettled(() => resetMailsTo('limited@reset-requests.test'), 20)).toHaveLength(20);
    const { rows: events } = await h.db.query(`SELECT count(*)::int AS n FROM account_audit_events WHERE account_id = $1 AND type = 'account.reset_code_sent'`, [id]);
    expect(events).toEqual([{ n: 20 }]);
  });

  it('requests are limited per source, the same for every email: the 61st in an hour is a 429 whatever it asks', async () => {
    const ip = '203.0.113.60';
    await signUp('flooded@reset-requests.test');
    for (let i = 0; i < 60; i++) expect((await from(ip).post('/auth/send-reset-code', { email: `made-up-${i}@reset-requests.test` })).status).toBe(200);
    for (const email of ['flooded@reset-requests.test', 'made-up-x@reset-requests.test']) {
      const refused = await from(ip).post('/auth/send-reset-code', { email });
      expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 429, error: 'RATE_LIMITED' });
    }
    // another source is not affected
    expect((await from('203.0.113.61').post('/auth/send-reset-code', { email: 'flooded@reset-requests.test' })).status).toBe(200);
    await settled();
  });

  it('a row delivered again, also at the same time as its first delivery, issues one code and sends one email', async () => {
    const id = await signUp('twice@reset-requests.test');
    const notify = await listen(loadFunctions(['notify']).notify!);
    const push = (outboxId: string, messageId: string) => pushOutboxMessage(notify.baseUrl, { outboxId, kind: 'reset_request', messageId });
    try {
      expect((await from('203.0.113.30').post('/auth/send-reset-code', { email: 'twice@reset-requests.test' })).status).toBe(200);
      const outboxId = (await rows()).at(-1)!.id;
      // two more deliveries racing the one the request started
      await Promise.all([push(outboxId, 'again-1'), push(outboxId, 'again-1')]);
      const [row] = await settled();
      expect(row).toMatchObject({ state: 'sent', data: {} });
      // and one more once it is settled: acknowledged, nothing sent
      expect(await push(outboxId, 'again-2')).toBeLessThan(300);
      await new Promise((r) => setTimeout(r, 300));
      expect(await mailsSettled(() => resetMailsTo('twice@reset-requests.test'), 1)).toHaveLength(1);
      const { rows: codes } = await h.db.query(`SELECT count(*)::int AS n FROM account_codes WHERE account_id = $1 AND purpose = 'account_reset'`, [id]);
      expect(codes).toEqual([{ n: 1 }]);
      const { rows: events } = await h.db.query(`SELECT count(*)::int AS n FROM account_audit_events WHERE account_id = $1 AND type = 'account.reset_code_sent'`, [id]);
      expect(events).toEqual([{ n: 1 }]);
      const { rows: ledger } = await h.db.query(`SELECT count(*)::int AS n FROM mail_sends WHERE kind = 'reset_code'`);
      expect(ledger).toEqual([{ n: 1 }]);
    } finally {
      await notify.close();
    }
  });
});
