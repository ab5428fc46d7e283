import * as pulumi from '@pulumi/pulumi';

/**
 * Every setting of the stack, read here and nowhere else (`pulumi config set …`, see README "Deploy to GCP").
 * Secrets are read with requireSecret and stay Outputs marked secret; nothing secret has a default.
 */

/** docs/architecture.md §5.3: the service runs in us-central1 only; every regional resource is placed there. */
export const REGION = 'us-central1';

export interface FunctionSizing {
  memoryMiB?: number;
  cpu?: number;
  minInstances?: number;
  maxInstances?: number;
  concurrency?: number;
}

export interface StackConfig {
  project: string;
  region: typeof REGION;
  /** Public hostname of the API, e.g. `somnus.example.com`; its DNS A record must point at the LB address. */
  domain: string;
  db: {
    tier: string;
    /** REGIONAL (high availability) for production, ZONAL for a cheap test stack. */
    availabilityType: 'REGIONAL' | 'ZONAL';
    diskSizeGb: number;
    backupStartTime: string;
  };
  functions: {
    minInstances: number;
    maxInstances: number;
    concurrency: number;
    /** Per-function overrides of the registry's memory/CPU and of the instance settings above. */
    overrides: Record<string, FunctionSizing>;
  };
  /** Google group (email) whose members may invoke private operator functions such as `incidents`. */
  operatorsGroup: string | null;
  /**
   * Emails of the operators who may use `incidents` (its own check of their Google ID token, after IAM's
   * check of the group): ID tokens carry no group membership, so the function needs the list itself.
   */
  operatorEmails: string[];
  /** Audiences besides the function's own URL that an operator's ID token may carry (e.g. a gcloud client id). */
  operatorAudiences: string[];
  mailFrom: string;
  logLevel: string;
  smtpUrl: pulumi.Output<string>;
  /** Git sync sign-in (SOMNUS_GIT_OAUTH, docs in the README): JSON with the GitHub OAuth App's secret; `{}` offers none. */
  gitOAuth: pulumi.Output<string>;
  /** The settings of the service itself, as the README documents them for `pnpm start` (env var names). */
  service: {
    /** SOMNUS_ORG_SEAT_LIMIT: members per team org (and current-plan's quantity); 0 = no limit. */
    orgSeatLimit: number;
    /** SOMNUS_CORS_ORIGINS: origins allowed to read answers; empty = any. */
    corsOrigins: string;
    /** SOMNUS_INVITE_TTL_SECONDS: how long an invitation stays open. */
    inviteTtlSeconds: number;
  };
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** `*`, `null` (the desktop app's file:// pages) or https origins, comma-separated; checked here, not at the first request. */
function corsOrigins(raw: string | undefined): string {
  const list = (raw ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of list) {
    if (o === '*' || o === 'null') continue;
    let url: URL | null = null;
    try {
      url = new URL(o);
    } catch {
      // reported below
    }
    if (!url || url.origin !== o) throw new Error(`somnus:corsOrigins: ${o} is not an origin (scheme://host[:port], no path), '*' or 'null'`);
  }
  return list.join(',');
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 0): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) throw new Error(`somnus:${name} must be an integer ≥ ${min} (got ${value})`);
  return n;
}

/** Cloud Run rules for one instance: concurrency above 1 needs a whole vCPU; memory has a floor per vCPU. */
export function checkSizing(fn: string, s: Required<FunctionSizing>): void {
  if (![0.083, 0.167, 0.333, 0.583, 1, 2, 4, 6, 8].includes(s.cpu)) throw new Error(`function ${fn}: cpu ${s.cpu} is not a Cloud Run CPU size`);
  if (!Number.isInteger(s.memoryMiB) || s.memoryMiB < 128 || s.memoryMiB > 32768) throw new Error(`function ${fn}: memoryMiB ${s.memoryMiB} is out of range`);
  if (s.concurrency > 1 && s.cpu < 1) throw new Error(`function ${fn}: concurrency ${s.concurrency} needs cpu ≥ 1`);
  if (s.cpu > 1 && s.memoryMiB < 1024 * (s.cpu / 2)) throw new Error(`function ${fn}: ${s.cpu} vCPU need more memory than ${s.memoryMiB} MiB`);
  if (s.maxInstances < Math.max(1, s.minInstances)) throw new Error(`function ${fn}: maxInstances must be ≥ minInstances and ≥ 1`);
  if (s.concurrency < 1 || s.concurrency > 1000) throw new Error(`function ${fn}: concurrency must be 1..1000`);
}

export function loadConfig(): StackConfig {
  const gcp = new pulumi.Config('gcp');
  const cfg = new pulumi.Config('somnus');
  const project = gcp.require('project');
  const gcpRegion = gcp.get('region');
  if (gcpRegion !== undefined && gcpRegion !== REGION) {
    throw new Error(`gcp:region must be ${REGION} (got ${gcpRegion}); Somnus is deployed to ${REGION} only`);
  }
  const region = cfg.get('region') ?? REGION;
  if (region !== REGION) throw new Error(`somnus:region must be ${REGION} (got ${region})`);

  const domain = cfg.require('domain');
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) {
    throw new Error(`somnus:domain must be a lowercase hostname such as api.example.com (got ${domain})`);
  }
  const availabilityType = cfg.get('dbAvailabilityType') ?? 'REGIONAL';
  if (availabilityType !== 'REGIONAL' && availabilityType !== 'ZONAL') {
    throw new Error(`somnus:dbAvailabilityType must be REGIONAL or ZONAL (got ${availabilityType})`);
  }
  const backupStartTime = cfg.get('dbBackupStartTime') ?? '03:00';
  if (!/^([01]\d|2[0-3]):00$/.test(backupStartTime)) throw new Error('somnus:dbBackupStartTime must be HH:00 (UTC)');
  const logLevel = cfg.get('logLevel') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`somnus:logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  const operatorsGroup = cfg.get('operatorsGroup') ?? null;
  if (operatorsGroup !== null && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(operatorsGroup)) {
    throw new Error('somnus:operatorsGroup must be the email of a Google group');
  }
  const operatorEmails = (cfg.getObject<string[]>('operatorEmails') ?? []).map((e) => String(e).trim().toLowerCase());
  for (const e of operatorEmails) {
    if (!/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(e)) throw new Error(`somnus:operatorEmails: ${e} is not an email address`);
  }
  const operatorAudiences = cfg.getObject<string[]>('operatorAudiences') ?? [];
  for (const a of operatorAudiences) {
    if (typeof a !== 'string' || !a || /[,\s]/.test(a)) throw new Error('somnus:operatorAudiences must be a list of audiences without commas or spaces');
  }
  const overrides = cfg.getObject<Record<string, FunctionSizing>>('functions') ?? {};
  if (typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error('somnus:functions must be an object keyed by function name');

  return {
    project,
    region: REGION,
    domain,
    db: {
      tier: cfg.get('dbTier') ?? 'db-custom-1-3840',
      availabilityType,
      diskSizeGb: positiveInt('dbDiskSizeGb', cfg.getNumber('dbDiskSizeGb'), 10, 10),
      backupStartTime,
    },
    functions: {
      minInstances: positiveInt('minInstances', cfg.getNumber('minInstances'), 0),
      maxInstances: positiveInt('maxInstances', cfg.getNumber('maxInstances'), 10, 1),
      concurrency: positiveInt('concurrency', cfg.getNumber('concurrency'), 40, 1),
      overrides,
    },
    operatorsGroup,
    operatorEmails,
    operatorAudiences,
    mailFrom: cfg.get('mailFrom') ?? `Somnus <no-reply@${domain}>`,
    logLevel,
    smtpUrl: cfg.requireSecret('smtpUrl'),
    gitOAuth: cfg.getSecret('gitOAuth') ?? pulumi.secret('{}'),
    service: {
      orgSeatLimit: positiveInt('orgSeatLimit', cfg.getNumber('orgSeatLimit'), 0),
      corsOrigins: corsOrigins(cfg.get('corsOrigins')),
      inviteTtlSeconds: positiveInt('inviteTtlSeconds', cfg.getNumber('inviteTtlSeconds'), 7 * 24 * 3600, 60),
    },
  };
}
