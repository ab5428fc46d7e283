/**
 * Breach notifications end to end (issue 12): one incident for BENCH_RECIPIENTS (10,000) accounts, from the
 * operator's request to the last email in the local SMTP sink — incident and outbox written, published to
 * Pub/Sub (the emulator when installed, as `pnpm start` runs it; else in-process), pushed to `notify`,
 * claimed, rendered, sent, settled. Baseline in the same run: nodemailer alone, with the same pool of SMTP
 * connections, sending as many messages of the same rendered email to the same sink, before ours and after
 * (the faster counts). Prints the ratio
 * ours/baseline in emails per second (target ≥ 0.5), and a floor: the same push requests to a bare function
 * that only sends (no database, no outbox). Run: `pnpm bench notify`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import nodemailer from 'nodemailer';
import { cloudEvent as registerCloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { getPool } from '@somnus/db';
import { loadOrCreateOperatorKey, signOperatorToken } from '@somnus/dev/src/operator-keys';
import { startStack } from '@somnus/dev';
import { newId, renderIncidentMail } from '@somnus/runtime';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
/** notify's pool (NOTIFY_SMTP_CONNECTIONS, default 5), used by the baseline too. */
const CONNECTIONS = Number(process.env.NOTIFY_SMTP_CONNECTIONS ?? 5);

export async function main(): Promise<{ ours: number; baseline: number; ratio: number; floor: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-bench-'));
  fs.chmodSync(dataDir, 0o755); // Postgres may run as the `postgres` user and must reach inside
  // one JSON line per delivery is the functions' normal logging, but not what this measures
  process.env.LOG_LEVEL ??= 'warn';
  const stack = await startStack({ dataDir, port: 0, log: () => undefined, logRequests: false });
  try {
    const tag = crypto.randomBytes(3).toString('hex');
    const ids = Array.from({ length: RECIPIENTS }, () => `acct_${crypto.randomBytes(16).toString('hex')}`);
    const emails = ids.map((_, i) => `r${i}-${tag}@bench.example`);
    await getPool().query(
      `INSERT INTO accounts (id, email, srp_profile, salt_key, salt_auth, salt_enc, verifier, public_key, enc_private_key, enc_symmetric_key, email_verified_at)
       SELECT id, email, 'insomnia', 's', 's', 's', 'v', 'pk', 'epk', 'esk', now() FROM unnest($1::text[], $2::text[]) AS t(id, email)`,
      [ids, emails],
    );
    const key = await loadOrCreateOperatorKey(dataDir);
    const opsUrl = stack.info.opsUrl!;
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${opsUrl}${p}`, {
        method,
        headers: { authorization: `Bearer ${await signOperatorToken(key)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as Record<string, any>;
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    // --- baseline: nodemailer alone, same pool size, same sink, same email; measured before ours and
    // again after it (the machine is shared: Postgres, the emulator and the collector keep working), and ours
    // is compared with the faster of the two
    const incidentText = {
      title: 'Benchmark incident',
      summary: 'A benchmark of the breach-notification pipeline.',
      details: 'Nothing was affected.',
      severity: 'high',
      postmortemUrl: 'https://status.example/pm/bench',
    } as const;
    // the email every recipient gets, for an incident id of the same length as ours
    const mail = renderIncidentMail({ ...incidentText, incidentId: newId('inc'), createdAt: new Date() });
    const sendBaseline = async (label: string, to: readonly string[] = emails): Promise<number> => {
      const transport = nodemailer.createTransport({ ...parseSmtpUrl(stack.info.smtpUrl), pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity });
      const baseStarted = process.hrtime.bigint();
      await Promise.all(
        to.map((address, i) =>
          transport.sendMail({ from: 'Somnus <no-reply@somnus.localhost>', to: address, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<${label}-${i}@bench>` }),
        ),
      );
      const seconds = Number(process.hrtime.bigint() - baseStarted) / 1e9;
      transport.close();
      return seconds;
    };
    // an uncounted pass first: nodemailer, smtp-server and mailparser compiled before anything is timed
    await sendBaseline('warm-up', emails.slice(0, 1000));
    const baseBefore = await sendBaseline('base-before');

    // --- ours: operator request → last email settled
    const started = process.hrtime.bigint();
    const created = await call('POST', '/ops/incidents', { ...incidentText, scope: { type: 'all' }, idempotencyKey: `bench-${tag}` });
    const since = () => Number(process.hrtime.bigint() - started) / 1e9;
    // where the time goes, to the poll's precision: the answer, every row published, the first email sent
    const phases: Record<string, number> = { recorded: since() };
    let view = created;
    let lastLine = 0;
    while (!view.done) {
      await new Promise((r) => setTimeout(r, 200));
      view = await call('GET', `/ops/incidents/${created.id}`);
      if (phases.published === undefined && view.counts.queued === 0) phases.published = since();
      if (phases.firstSent === undefined && view.counts.sent > 0) phases.firstSent = since();
      if (Date.now() - lastLine > 5000) {
        lastLine = Date.now();
        console.log(`notify: … ${JSON.stringify(view.counts)}`);
      }
    }
    const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (view.counts.sent !== RECIPIENTS) throw new Error(`expected ${RECIPIENTS} sent, got ${JSON.stringify(view.counts)}`);
    const baseAfter = await sendBaseline('base-after');
    const baseSeconds = Math.min(baseBefore, baseAfter);


    // --- floor: the same push requests (Pub/Sub's envelope, 64 at a time as the local bus pushes) to a bare
    // functions-framework CloudEvent function that only sends the email with the same pool: no database, no
    // outbox, no claim. What the pipeline's own bookkeeping adds is ours over this.
    const floorTransport = nodemailer.createTransport({ ...parseSmtpUrl(stack.info.smtpUrl), pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity });
    registerCloudEvent('bench-notify-floor', async (event: { data?: { message?: { data?: string } } }) => {
      const { to, i } = JSON.parse(Buffer.from(event.data?.message?.data ?? '', 'base64').toString()) as { to: string; i: number };
      await floorTransport.sendMail({ from: 'Somnus <no-reply@somnus.localhost>', to, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<floor-${i}@bench>` });
    });
    const floorServer = await listenOnLoopback(getTestServer('bench-notify-floor'));
    const floorStarted = process.hrtime.bigint();
    await pushAll(floorServer.url, emails);
    const floorSeconds = Number(process.hrtime.bigint() - floorStarted) / 1e9;
    floorTransport.close();
    await new Promise<void>((resolve) => floorServer.server.close(() => resolve()));

    const ours = RECIPIENTS / oursSeconds;
    const baseline = RECIPIENTS / baseSeconds;
    const ratio = ours / baseline;
    const floor = RECIPIENTS / floorSeconds;
    console.log(`notify: ${ours.toFixed(0)} emails/s end to end (${oursSeconds.toFixed(1)} s for ${RECIPIENTS}, Pub/Sub: ${stack.info.pubsub})`);
    console.log(`notify: phases: incident recorded ${phases.recorded!.toFixed(1)} s, first email by ${phases.firstSent?.toFixed(1)} s, every row published by ${phases.published?.toFixed(1)} s`);
    console.log(
      `notify: baseline nodemailer alone ${baseline.toFixed(0)} emails/s, the faster of ${(RECIPIENTS / baseBefore).toFixed(0)} before ours and ${(RECIPIENTS / baseAfter).toFixed(0)} after (${CONNECTIONS} pooled connections, same sink)`,
    );
    console.log(`notify: floor (push requests to a bare function that only sends) ${floor.toFixed(0)} emails/s = ${(floor / baseline).toFixed(2)} x baseline; ours = ${(ours / floor).toFixed(2)} x floor`);
    console.log(`notify: ratio ours/baseline = ${ratio.toFixed(2)} (target >= 0.5), ${os.cpus().length} cores`);
    return { ours, baseline, ratio, floor };
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Pushes one Pub/Sub envelope per recipient, 64 in flight on a keep-alive agent, as the local event bus does. */
async function pushAll(url: string, emails: readonly string[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({
        message: { data: Buffer.from(JSON.stringify({ to: emails[i], i })).toString('base64'), messageId: String(i), publishTime: new Date().toISOString() },
        subscription: 'projects/bench/subscriptions/floor',
      });
      const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 || res.statusCode === 204 ? resolve() : reject(new Error(`floor push answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(Array.from({ length: 64 }, async () => { while (next < emails.length) await one(next++); }));
  agent.destroy();
}

async function listenOnLoopback(server: http.Server): Promise<{ server: http.Server; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  // a topic path, as Pub/Sub pushes to: functions-framework reads the topic from it (and complains otherwise)
  return { server, url: `http://127.0.0.1:${address.port}/projects/bench/topics/floor` };
}

function parseSmtpUrl(url: string): { host: string; port: number; secure: boolean } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), secure: u.protocol === 'smtps:' };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
