/**
 * All runtime configuration, read from the environment at first use (env locally, Secret Manager
 * references on GCP — DESIGN.md §6). Nothing secret has a default.
 */
export interface RuntimeConfig {
  serverSecret: Buffer;
  smtpUrl: string | null;
  mailFrom: string;
  sessionTtlSeconds: number;
  /** How many proxies append to X-Forwarded-For in front of us (GCP load balancer: 2); 0 = use the socket. */
  trustedProxyHops: number;
  logLevel: string;
  /** Seats per team organization (members + pending invites); null = unlimited. */
  orgSeatLimit: number | null;
  /** How long an invitation stays valid. */
  inviteTtlSeconds: number;
}

let cached: RuntimeConfig | null = null;

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

export function loadConfig(): RuntimeConfig {
  if (cached) return cached;
  const secretHex = process.env.SOMNUS_SERVER_SECRET ?? '';
  if (!/^[0-9a-fA-F]{64,}$/.test(secretHex)) {
    throw new Error('SOMNUS_SERVER_SECRET must be set to at least 64 hex characters (32 random bytes)');
  }
  cached = {
    serverSecret: Buffer.from(secretHex, 'hex'),
    smtpUrl: process.env.SMTP_URL || null,
    mailFrom: process.env.MAIL_FROM || 'Somnus <no-reply@somnus.local>',
    sessionTtlSeconds: intFromEnv('SOMNUS_SESSION_TTL_SECONDS', 30 * 24 * 3600),
    trustedProxyHops: intFromEnv('SOMNUS_TRUSTED_PROXY_HOPS', 0),
    logLevel: process.env.LOG_LEVEL || 'info',
    orgSeatLimit: process.env.SOMNUS_ORG_SEAT_LIMIT ? intFromEnv('SOMNUS_ORG_SEAT_LIMIT', 0) || null : null,
    inviteTtlSeconds: intFromEnv('SOMNUS_INVITE_TTL_SECONDS', 7 * 24 * 3600),
  };
  return cached;
}

/** Tests change the environment between suites; this makes the next loadConfig() read it again. */
export function resetConfig(): void {
  cached = null;
}
