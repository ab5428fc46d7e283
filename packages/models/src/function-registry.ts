import type { RouteDef } from './route-contract';
import { ROUTES } from './routes';

/**
 * The one registry of deployable functions (docs/architecture.md §5). infra/ derives everything per function from it:
 * the build, the Cloud Function, its service account and roles, its secrets, its triggers and schedules.
 * Adding a function later means adding its entry here (and, if it serves public HTTP, its rows in ROUTES).
 * No Pulumi types here: the local stack may read it too.
 */

/** Pub/Sub topics the stack creates; each also gets a dead-letter topic. */
export const TOPICS = ['breach-notifications'] as const;
export type TopicName = (typeof TOPICS)[number];

/**
 * Secrets a function may read, each delivered as one environment variable from Secret Manager.
 * `database-url` is the app role's connection URL (somnus_app), `migrator-database-url` the table owner's.
 */
export const SECRET_ENV = {
  'database-url': 'DATABASE_URL',
  'server-secret': 'SOMNUS_SERVER_SECRET',
  'smtp-url': 'SMTP_URL',
  /** Git sync sign-in: the operator's GitHub OAuth App and GitLab application, as JSON; `{}` offers none. */
  'git-oauth': 'SOMNUS_GIT_OAUTH',
  /** The Ed25519 key that signs key-history heads, as its 32-byte seed in hex (docs/key-authenticity.md §2.2). */
  'key-history-signing-key': 'SOMNUS_KEY_HISTORY_SIGNING_KEY',
} as const;
export type SecretName = keyof typeof SECRET_ENV;

/**
 * The Node.js major every function and the migration job run on in GCP (docs/architecture.md §9): Cloud Run
 * functions decommissioned `nodejs20` on 2026-10-30; `nodejs22` is supported until 2027-10-31. infra/ derives
 * the runtime, the esbuild target, `engines` and the migration image from it, and `.ci/run` runs the test
 * suite on this major too.
 */
export const DEPLOYED_NODE_MAJOR = 22;
/** The Cloud Run functions runtime id of DEPLOYED_NODE_MAJOR. */
export const FUNCTION_RUNTIME = `nodejs${DEPLOYED_NODE_MAJOR}` as const;

/**
 * Project-level roles a function's service account may be given (its secrets and topics are granted per
 * resource). No function needs one today: functions reach Cloud SQL on its private IP with a password, which
 * takes no IAM role (`roles/cloudsql.client` is for the Auth Proxy and the connectors). A role added to an entry
 * needs its reason next to it.
 */
export type ProjectRole = `roles/${string}`;

/** Who may invoke a private HTTP function besides its schedules (which get their own invoker). */
export type PrivateInvoker = 'operators';

export type FunctionTrigger =
  /** public: behind the load balancer, on the paths of ROUTES. Private: IAM-protected, never behind the LB. */
  | { type: 'http'; public: true }
  | { type: 'http'; public: false; invokers?: readonly PrivateInvoker[] }
  /** Delivered by a push subscription with retries and dead-lettering; the function registers a CloudEvent handler. */
  | { type: 'pubsub'; topic: TopicName };

export interface FunctionSchedule {
  /** Short name, used for the Cloud Scheduler job id. */
  name: string;
  /** Unix cron, UTC. */
  cron: string;
  /** Path on the function's URL that the job POSTs to. */
  path: string;
  description?: string;
}

export interface FunctionSpec<Name extends string = string> {
  name: Name;
  /** The name given to functions-framework's `http()` / `cloudEvent()` in src/index.ts. */
  entryPoint: string;
  /** The workspace package dir, relative to the repo root; its src/index.ts is the entry file. */
  source: string;
  trigger: FunctionTrigger;
  /** Defaults; `pulumi config set` may override them per function (infra/config.ts). */
  memoryMiB: number;
  cpu: number;
  /** Requests one instance serves at once, when not the stack's `concurrency` (infra/config.ts). */
  concurrency?: number;
  secrets: readonly SecretName[];
  roles: readonly ProjectRole[];
  publishes?: readonly TopicName[];
  schedules?: readonly FunctionSchedule[];
}

export const FUNCTION_REGISTRY = [
  {
    name: 'auth',
    entryPoint: 'auth',
    source: 'functions/auth',
    trigger: { type: 'http', public: true },
    // SRP modexp is CPU-bound: 256 MiB would get 0.167 vCPU (docs/architecture.md §9)
    memoryMiB: 1024,
    cpu: 1,
    // its codes go out through the mail outbox (docs/architecture.md §11.3): published, sent by notify,
    // which alone holds the SMTP credentials
    secrets: ['database-url', 'server-secret'],
    roles: [],
    publishes: ['breach-notifications'],
  },
  {
    name: 'keys',
    entryPoint: 'keys',
    source: 'functions/keys',
    trigger: { type: 'http', public: true },
    memoryMiB: 512,
    cpu: 1,
    // key material is stored as the client made it: nothing here is derived from the server secret; the
    // key-history heads are signed with their own key (docs/key-authenticity.md §2.2)
    secrets: ['database-url', 'key-history-signing-key'],
    roles: [],
  },
  {
    name: 'invites',
    entryPoint: 'invites',
    source: 'functions/invites',
    trigger: { type: 'http', public: true },
    memoryMiB: 512,
    cpu: 1,
    // invitations go out through the mail outbox, published to Pub/Sub and sent by notify: no SMTP here
    secrets: ['database-url', 'server-secret'],
    roles: [],
    publishes: ['breach-notifications'],
  },
  {
    name: 'sync',
    entryPoint: 'sync',
    source: 'functions/sync',
    trigger: { type: 'http', public: true },
    // pushes and pulls move batches of up to 2 MB of blobs: room to parse and answer them
    memoryMiB: 1024,
    cpu: 1,
    secrets: ['database-url'],
    roles: [],
  },
  {
    name: 'app',
    entryPoint: 'app',
    source: 'functions/app',
    trigger: { type: 'http', public: true },
    // startup calls and git sign-in: small answers and one outbound HTTPS call
    memoryMiB: 256,
    cpu: 1,
    // the database: sessions (current-plan), the per-source limit of the code exchange
    secrets: ['database-url', 'git-oauth'],
    roles: [],
  },
  {
    name: 'maintenance',
    entryPoint: 'maintenance',
    source: 'functions/maintenance',
    trigger: { type: 'http', public: false },
    memoryMiB: 256,
    cpu: 1,
    secrets: ['database-url'],
    roles: [],
    schedules: [
      {
        name: 'cleanup',
        cron: '17 * * * *',
        path: '/cleanup',
        description: 'Deletes expired login sessions, used or expired codes, old sessions and login attempts',
      },
    ],
  },
  {
    // operators record breach incidents and watch their emails go out (docs/architecture.md §11.3); never
    // behind the load balancer: IAM admits the operators group, the function checks their ID token again
    name: 'incidents',
    entryPoint: 'incidents',
    source: 'functions/incidents',
    trigger: { type: 'http', public: false, invokers: ['operators'] },
    memoryMiB: 512,
    cpu: 1,
    secrets: ['database-url'],
    roles: [],
    publishes: ['breach-notifications'],
    schedules: [
      {
        name: 'outbox-dispatch',
        cron: '* * * * *',
        path: '/ops/outbox/dispatch',
        description: 'Publishes outbox rows left unpublished (Pub/Sub was unreachable, or a message was lost)',
      },
    ],
  },
  {
    // every email Somnus sends, once per outbox row (docs/architecture.md §11.3)
    name: 'notify',
    entryPoint: 'notify',
    source: 'functions/notify',
    trigger: { type: 'pubsub', topic: 'breach-notifications' },
    memoryMiB: 256,
    cpu: 1,
    // a delivery sends up to 50 emails through the instance's 10 send slots within a 20 s budget
    // (docs/architecture.md §11.3): 8 at once keep the 400 rows an instance holds within what its SMTP pool
    // sends in that time even at 20 emails a second; more messages start more instances
    concurrency: 8,
    secrets: ['database-url', 'smtp-url'],
    roles: [],
  },
] as const satisfies readonly FunctionSpec[];

export type RegisteredFunctionName = (typeof FUNCTION_REGISTRY)[number]['name'];
/** Functions behind the load balancer (and the local gateway), serving the rows of ROUTES. */
export type PublicFunctionName = Extract<(typeof FUNCTION_REGISTRY)[number], { trigger: { public: true } }>['name'];

export function functionSpec(name: string): FunctionSpec | undefined {
  return (FUNCTION_REGISTRY as readonly FunctionSpec[]).find((f) => f.name === name);
}

/** Every public HTTP function of the registry must serve routes, and every routed function must be public. */
export function checkRegistry(registry: readonly FunctionSpec[], routes: readonly RouteDef[] = ROUTES): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const f of registry) {
    if (names.has(f.name)) problems.push(`duplicate function ${f.name}`);
    names.add(f.name);
    if (!/^[a-z][a-z0-9-]{0,20}$/.test(f.name)) problems.push(`function name ${f.name} is not a valid resource name`);
    const routed = routes.some((r) => r.fn === f.name);
    const isPublic = f.trigger.type === 'http' && f.trigger.public;
    if (isPublic && !routed) problems.push(`public function ${f.name} has no routes`);
    if (!isPublic && routed) problems.push(`function ${f.name} has routes but is not public HTTP`);
    if (f.schedules?.length && f.trigger.type !== 'http') problems.push(`scheduled function ${f.name} must be HTTP`);
  }
  for (const r of routes) {
    if (!names.has(r.fn)) problems.push(`route ${r.method} ${r.path} names unregistered function ${r.fn}`);
  }
  return problems;
}

