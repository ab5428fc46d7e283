/**
 * `pnpm ops`: the operator's commands against the private `incidents` function (docs/architecture.md §11.3).
 *
 *   pnpm ops incident create --title … --summary … --scope all|org:<id>,<id>…|account:<id>,<id>…
 *                            [--details … | --details-file …] [--severity low|medium|high|critical]
 *                            [--postmortem-url …] [--idempotency-key …] [--no-wait]
 *   pnpm ops incident status <id> [--watch]
 *   pnpm ops incident list [--limit N]
 *   pnpm ops incident retry-failed <id> [--no-wait]
 *   pnpm ops outbox dispatch
 *
 * `create` prints its idempotency key before sending. Without --idempotency-key the key is a digest of the
 * incident's content (title, summary, details, severity, scope, post-mortem URL): running the same command
 * again, after a lost answer say, finds the incident already recorded and emails nobody twice. A create
 * that gets no answer is asked again with the same key.
 *
 * Where: `--url`, else SOMNUS_OPS_URL, else the running `pnpm start` (`.data/ops.json`). Who: SOMNUS_OPS_TOKEN
 * (in GCP a Google ID token for the function's URL), else a short-lived token signed with the local stack's
 * operator key (`.data/operator-key.json`).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  createIncidentResponse,
  dispatchResponse,
  errorBody,
  INCIDENT_PATHS,
  INCIDENT_SEVERITIES,
  incidentList,
  incidentView,
  parseScopeArg,
  retryFailedResponse,
  type DeliveryCounts,
  type IncidentScope,
  type IncidentView,
} from '@somnus/models';
import type { z } from 'zod';
import { signOperatorToken, type OperatorKey } from './operator-keys';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const dataDir = process.env.SOMNUS_DATA_DIR ? path.resolve(process.env.SOMNUS_DATA_DIR) : path.join(repoRoot, '.data');

class UsageError extends Error {}

interface Target {
  url: string;
  token: () => Promise<string>;
}

function targetOf(urlFlag: string | undefined): Target {
  const opsJson = path.join(dataDir, 'ops.json');
  const local = fs.existsSync(opsJson) ? (JSON.parse(fs.readFileSync(opsJson, 'utf8')) as { url: string; keyFile: string }) : null;
  const url = (urlFlag ?? process.env.SOMNUS_OPS_URL ?? local?.url)?.replace(/\/+$/, '');
  if (!url) throw new UsageError('no incidents URL: start the local stack (pnpm start), or pass --url / set SOMNUS_OPS_URL');
  const given = process.env.SOMNUS_OPS_TOKEN;
  if (given) return { url, token: async () => given };
  const keyFile = local?.keyFile ?? path.join(dataDir, 'operator-key.json');
  if (!fs.existsSync(keyFile)) throw new UsageError(`no operator token: set SOMNUS_OPS_TOKEN, or run pnpm start once so that ${keyFile} exists`);
  const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as OperatorKey;
  return { url, token: () => signOperatorToken(key) };
}

/** An answer that never arrived (connection dropped, timeout) or a gateway's 502/503/504: safe to ask again. */
class NoAnswer extends Error {}

async function call<S extends z.ZodType>(t: Target, method: string, p: string, schema: S, body?: unknown): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(`${t.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${await t.token()}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    throw new NoAnswer(`no answer from ${p}: ${(err as Error).message}`);
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) throw new NoAnswer(`${res.status} from ${p}`);
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = errorBody.safeParse(json);
    throw new Error(e.success ? `${res.status} ${e.data.error}: ${e.data.message}` : `${res.status} from ${p}`);
  }
  // the answer is checked like any client checks the server's
  return schema.parse(json);
}

/**
 * Details as the server takes them: \n line breaks (a file written on Windows has \r\n) and spaces for tabs
 * (the server refuses control characters other than line breaks), so that a details file is not refused.
 */
export function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
}

/** A request that is safe to repeat (the same idempotency key): asked again when no answer came back. */
async function withRetries<T>(what: string, run: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof NoAnswer) || attempt >= tries) throw err;
      process.stderr.write(`${err.message}; asking again (${what}, attempt ${attempt + 1} of ${tries})\n`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/**
 * The idempotency key of `incident create` when none is given: a digest of the incident's canonical content,
 * so that running the same command again (after a lost answer, a crash, a timeout) finds the incident the
 * first run recorded instead of emailing everyone a second time. To record the same text twice on purpose,
 * pass a new --idempotency-key.
 */
export function incidentKeyOf(body: { title: string; summary: string; details: string; severity: string; scope: IncidentScope; postmortemUrl?: string }): string {
  const scope = body.scope.type === 'all' ? { type: 'all' } : { type: body.scope.type, ids: [...new Set(body.scope.ids)].sort() };
  const canonical = JSON.stringify([body.title, body.summary, body.details, body.severity, scope, body.postmortemUrl ?? null]);
  return `cli-${crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 40)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Progress

const WIDTH = 30;

/** One line: a bar of sent (█) and failed (✗) out of all recipients, and the count per state. */
export function progressLine(c: DeliveryCounts, total: number, seconds: number): string {
  // nobody in scope (an org without members, say): no bar that would look like 100% of something
  if (total === 0) return `no recipients: nothing to send  ${seconds.toFixed(1)} s`;
  const cells = (n: number) => (total === 0 ? 0 : Math.round((n / total) * WIDTH));
  const sent = cells(c.sent);
  const failed = Math.min(WIDTH - sent, cells(c.failed));
  const bar = '█'.repeat(sent) + '✗'.repeat(failed) + '░'.repeat(WIDTH - sent - failed);
  const pct = total === 0 ? 100 : Math.floor(((c.sent + c.failed) / total) * 100);
  return `[${bar}] ${pct}%  sent ${c.sent}/${total} · failed ${c.failed} · sending ${c.sending} · published ${c.published} · queued ${c.queued}  ${seconds.toFixed(1)} s`;
}

async function watch(t: Target, id: string, first?: IncidentView): Promise<IncidentView> {
  const started = Date.now();
  const tty = process.stdout.isTTY;
  let last = '';
  let lastPrinted = 0;
  let view = first ?? (await call(t, 'GET', INCIDENT_PATHS.incident(id), incidentView));
  for (;;) {
    const line = progressLine(view.counts, view.recipients, (Date.now() - started) / 1000);
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else if (line.replace(/\s+\S+ s$/, '') !== last && Date.now() - lastPrinted > 1000) {
      process.stdout.write(`${line}\n`);
      lastPrinted = Date.now();
    }
    last = line.replace(/\s+\S+ s$/, '');
    if (view.done) break;
    await new Promise((r) => setTimeout(r, 500));
    view = await call(t, 'GET', INCIDENT_PATHS.incident(id), incidentView);
  }
  if (tty) process.stdout.write('\n');
  else process.stdout.write(`${progressLine(view.counts, view.recipients, (Date.now() - started) / 1000)}\n`);
  return view;
}

function printIncident(v: IncidentView): void {
  const lines = [
    `${v.id}  ${v.title}`,
    `  severity ${v.severity} · recorded ${v.createdAt} by ${v.createdBy}`,
    `  scope ${v.scope.type === 'all' ? 'all accounts' : `${v.scope.type} ${v.scope.ids.join(', ')}`}`,
    `  recipients ${v.recipients}: sent ${v.counts.sent}, failed ${v.counts.failed}, sending ${v.counts.sending}, published ${v.counts.published}, queued ${v.counts.queued}${v.done ? ' (done)' : ''}`,
  ];
  if (v.postmortemUrl) lines.push(`  post-mortem ${v.postmortemUrl}`);
  for (const f of v.failures) lines.push(`  failed: ${f.accountId ?? '(no account)'} after ${f.attempts} attempts: ${f.reason ?? 'unknown'}`);
  if (v.counts.failed) lines.push(`  retry with: pnpm ops incident retry-failed ${v.id}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Commands

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      title: { type: 'string' },
      summary: { type: 'string' },
      details: { type: 'string' },
      'details-file': { type: 'string' },
      severity: { type: 'string', default: 'high' },
      scope: { type: 'string' },
      'postmortem-url': { type: 'string' },
      'idempotency-key': { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      limit: { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [group, command, arg] = positionals;
  if (values.help || !group) {
    process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0]!.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, ''));
    return 0;
  }
  const t = targetOf(values.url);

  if (group === 'outbox' && command === 'dispatch') {
    const r = await call(t, 'POST', INCIDENT_PATHS.dispatch, dispatchResponse);
    process.stdout.write(`published ${r.published}, failed ${r.failed}\n`);
    return r.failed ? 1 : 0;
  }
  if (group !== 'incident') throw new UsageError(`unknown command ${group}: see pnpm ops --help`);

  switch (command) {
    case 'create': {
      if (!values.title || !values.summary || !values.scope) throw new UsageError('create needs --title, --summary and --scope');
      const scope = parseScopeArg(values.scope);
      if (!scope.ok) throw new UsageError(`--scope: ${scope.reason}`);
      if (!(INCIDENT_SEVERITIES as readonly string[]).includes(values.severity!)) throw new UsageError(`--severity: one of ${INCIDENT_SEVERITIES.join(', ')}`);
      const details = normaliseText(values['details-file'] ? fs.readFileSync(values['details-file'], 'utf8') : (values.details ?? ''));
      const content = {
        title: values.title,
        summary: values.summary,
        details,
        severity: values.severity!,
        scope: scope.scope,
        ...(values['postmortem-url'] ? { postmortemUrl: values['postmortem-url'] } : {}),
      };
      // the same command records the same incident however often it runs: the key is the content's digest
      const body = { ...content, idempotencyKey: values['idempotency-key'] ?? incidentKeyOf(content) };
      process.stdout.write(`idempotency key ${body.idempotencyKey} (run the same command again to ask about the same incident)\n`);
      const created = await withRetries('create', () => call(t, 'POST', INCIDENT_PATHS.incidents, createIncidentResponse, body));
      process.stdout.write(
        `${created.created ? 'Recorded' : 'Already recorded (same idempotency key)'} ${created.id}: ${created.recipients} recipient(s)\n`,
      );
      if (values['no-wait']) return 0;
      const v = await watch(t, created.id, created);
      printIncident(v);
      return v.counts.failed ? 1 : 0;
    }
    case 'status': {
      if (!arg) throw new UsageError('status needs an incident id');
      const v = values.watch ? await watch(t, arg) : await call(t, 'GET', INCIDENT_PATHS.incident(arg), incidentView);
      printIncident(v);
      return 0;
    }
    case 'list': {
      const r = await call(t, 'GET', `${INCIDENT_PATHS.incidents}?limit=${encodeURIComponent(values.limit!)}`, incidentList);
      if (r.incidents.length === 0) process.stdout.write('no incidents\n');
      for (const i of r.incidents) {
        process.stdout.write(
          `${i.id}  ${i.createdAt}  ${i.severity.padEnd(8)}  ${String(i.counts.sent).padStart(6)}/${String(i.recipients).padEnd(6)} sent` +
            `${i.counts.failed ? `, ${i.counts.failed} failed` : ''}${i.done ? '' : ' (in progress)'}  ${i.title}\n`,
        );
      }
      if (r.total > r.incidents.length) process.stdout.write(`(${r.incidents.length} of ${r.total}; --limit for more)\n`);
      return 0;
    }
    case 'retry-failed': {
      if (!arg) throw new UsageError('retry-failed needs an incident id');
      const r = await call(t, 'POST', INCIDENT_PATHS.retryFailed(arg), retryFailedResponse);
      process.stdout.write(`requeued ${r.requeued}, published ${r.published}\n`);
      if (values['no-wait'] || r.requeued === 0) return 0;
      const v = await watch(t, arg);
      printIncident(v);
      return v.counts.failed ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command incident ${command ?? ''}: create, status, list or retry-failed`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`${err instanceof UsageError ? 'usage: ' : 'error: '}${err.message}\n`);
      process.exit(2);
    },
  );
}

export { main as opsMain };
