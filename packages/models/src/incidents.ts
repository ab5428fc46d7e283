import { z } from 'zod';
import { ID_PREFIX, serverId } from './primitives';

/**
 * Wire shapes of the private `incidents` function (operators only; docs/architecture.md §11.3). Not in
 * ROUTES: the function is never behind the load balancer. The `pnpm ops` CLI validates every answer with
 * these schemas, and the function validates every request with them.
 */

export const INCIDENT_ID = /^inc_[0-9a-f]{32}$/;
export const incidentId = z.string().regex(INCIDENT_ID, 'must be an inc_ id');
export const orgId = serverId('org');

export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const incidentSeverity = z.enum(INCIDENT_SEVERITIES);

/** At most this many ids in an org or account scope. */
export const MAX_SCOPE_IDS = 1000;

export const incidentScope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all') }).strict(),
  z.object({ type: z.literal('orgs'), ids: z.array(orgId).min(1).max(MAX_SCOPE_IDS) }).strict(),
  z.object({ type: z.literal('accounts'), ids: z.array(serverId(ID_PREFIX.account)).min(1).max(MAX_SCOPE_IDS) }).strict(),
]);
export type IncidentScope = z.output<typeof incidentScope>;

/** Operators' text: one line for the title, paragraphs elsewhere; no control characters but line breaks. */
const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'must be one line without control characters');
const paragraphs = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .regex(/^(?:[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\n)*$/u, 'must not contain control characters other than line breaks');

export const createIncidentBody = z
  .object({
    title: line(200),
    summary: paragraphs(1, 2000),
    details: paragraphs(0, 20_000).default(''),
    severity: incidentSeverity,
    scope: incidentScope,
    postmortemUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    /** The same key with the same content returns the same incident, never a second one; with other content: 409 CONFLICT. */
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'must be 8 to 100 of A-Z a-z 0-9 _ . : -'),
  })
  .strict();
export type CreateIncidentInput = z.input<typeof createIncidentBody>;
export type CreateIncidentBody = z.output<typeof createIncidentBody>;

export const deliveryCounts = z.object({
  queued: z.number().int().min(0),
  published: z.number().int().min(0),
  sending: z.number().int().min(0),
  sent: z.number().int().min(0),
  failed: z.number().int().min(0),
});
export type DeliveryCounts = z.output<typeof deliveryCounts>;

export const incidentSummary = z.object({
  id: incidentId,
  title: z.string(),
  severity: incidentSeverity,
  createdAt: z.string(),
  createdBy: z.string(),
  recipients: z.number().int().min(0),
  counts: deliveryCounts,
  /** Every email is settled: sent or failed. */
  done: z.boolean(),
});
export type IncidentSummary = z.output<typeof incidentSummary>;

export const incidentFailure = z.object({
  accountId: z.string().nullable(),
  attempts: z.number().int().min(0),
  reason: z.string().nullable(),
  failedAt: z.string().nullable(),
});

export const incidentView = incidentSummary.extend({
  summary: z.string(),
  details: z.string(),
  scope: incidentScope,
  postmortemUrl: z.string().nullable(),
  /** The first failures, with their reasons (never an address). */
  failures: z.array(incidentFailure),
});
export type IncidentView = z.output<typeof incidentView>;

export const createIncidentResponse = incidentView.extend({
  /** false: the idempotency key named an incident recorded before, which is returned unchanged. */
  created: z.boolean(),
});

export const listIncidentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const incidentList = z.object({ incidents: z.array(incidentSummary), total: z.number().int().min(0) });
export const retryFailedResponse = z.object({ requeued: z.number().int().min(0), published: z.number().int().min(0) });
export const dispatchResponse = z.object({ published: z.number().int().min(0), failed: z.number().int().min(0) });

/**
 * The CLI's `--scope`: `all`, `org:<id>,<id>,…` or `account:<id>,<id>,…` (one kind per incident; the kind is
 * given once, first, and may be repeated on every id: `org:<id>,org:<id>` too). A reason when it is not one
 * of those.
 */
export function parseScopeArg(arg: string): { ok: true; scope: IncidentScope } | { ok: false; reason: string } {
  const text = arg.trim();
  if (text === 'all') return { ok: true, scope: { type: 'all' } };
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return { ok: false, reason: 'empty scope' };
  const prefixed = (p: string) => /^([A-Za-z]+):(.*)$/.exec(p);
  const first = prefixed(parts[0]!);
  if (!first) return { ok: false, reason: `unknown scope kind in "${parts[0]}": use all, org:<id>,… or account:<id>,…` };
  const kind = first[1]!;
  const ids: string[] = [];
  for (const p of parts) {
    const m = prefixed(p);
    if (m && m[1] !== kind) return { ok: false, reason: 'one kind per scope: all, org:<id>,… or account:<id>,…' };
    ids.push(m ? m[2]! : p);
  }
  const scope = kind === 'org' ? { type: 'orgs', ids } : kind === 'account' ? { type: 'accounts', ids } : null;
  if (!scope) return { ok: false, reason: `unknown scope kind "${kind}": use all, org:<id>,… or account:<id>,…` };
  const parsed = incidentScope.safeParse(scope);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, scope: parsed.data };
}

/** The private paths of `incidents`, relative to the function's URL. */
export const INCIDENT_PATHS = {
  incidents: '/ops/incidents',
  incident: (id: string) => `/ops/incidents/${id}`,
  retryFailed: (id: string) => `/ops/incidents/${id}/retry-failed`,
  dispatch: '/ops/outbox/dispatch',
} as const;
