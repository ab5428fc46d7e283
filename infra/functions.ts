import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { FUNCTION_RUNTIME, SECRET_ENV, type FunctionSpec } from '@somnus/models';
import type { Builder } from './build';
import type { BuildIdentity } from './builds';
import { checkSizing, type FunctionSizing, type StackConfig } from './config';
import { TRUSTED_PROXY_HOPS } from './gateway';
import type { Network } from './network';
import type { PubSub } from './pubsub';
import type { Secrets } from './secrets';

/** Connections per function instance (packages/db pool); database.ts sizes max_connections from it. */
export const DB_POOL_MAX = 5;

/** The most connections all functions can hold at full scale, plus room for the migrator and operators. */
export function maxDatabaseConnections(config: StackConfig, registry: readonly FunctionSpec[]): number {
  const functions = registry.filter((s) => s.secrets.includes('database-url'));
  return Math.max(100, functions.reduce((n, s) => n + sizingOf(config, s).maxInstances * DB_POOL_MAX, 0) + 25);
}

/** How many times Pub/Sub delivers a message before it goes to the dead-letter topic. */
export const MAX_DELIVERY_ATTEMPTS = 10;

export interface DeployedFunction {
  spec: FunctionSpec;
  fn: gcp.cloudfunctionsv2.Function;
  serviceAccount: gcp.serviceaccount.Account;
  /** The function's own Cloud Run URL (https://…run.app): the OIDC audience for private callers. */
  uri: pulumi.Output<string>;
  /**
   * The Cloud Run URL known before the function exists (https://<name>-<project number>.<region>.run.app,
   * Cloud Run's deterministic URL): what operator functions accept as audience (they never take it from the
   * request's Host) and what their callers put in their ID tokens.
   */
  audienceUrl: pulumi.Output<string>;
  sizing: Required<FunctionSizing>;
}

export interface FunctionsDeps {
  config: StackConfig;
  registry: readonly FunctionSpec[];
  builder: Builder;
  network: Network;
  secrets: Secrets;
  pubsub: PubSub;
  sourceBucket: gcp.storage.Bucket;
  /** Who builds the functions, and the Artifact Registry repository the builds push to. */
  build: BuildIdentity;
  /** The database's server CA (PEM): functions that get the database URL verify the server against it. */
  databaseCa: pulumi.Input<string>;
  dependsOn: pulumi.Resource[];
}

/** Registry defaults, then the stack-wide instance settings, then `somnus:functions.<name>` overrides. */
export function sizingOf(config: StackConfig, spec: FunctionSpec): Required<FunctionSizing> {
  const o = config.functions.overrides[spec.name] ?? {};
  const sizing = {
    memoryMiB: o.memoryMiB ?? spec.memoryMiB,
    cpu: o.cpu ?? spec.cpu,
    minInstances: o.minInstances ?? config.functions.minInstances,
    maxInstances: o.maxInstances ?? config.functions.maxInstances,
    concurrency: o.concurrency ?? spec.concurrency ?? config.functions.concurrency,
  };
  checkSizing(spec.name, sizing);
  if (spec.name === 'auth' && sizing.memoryMiB < 1024) throw new Error('function auth needs at least 1 GiB (SRP is CPU-bound)');
  return sizing;
}

/**
 * Ingress: public functions take traffic from the load balancer only; private ones invoked by Google
 * services (Scheduler, Pub/Sub push) take internal traffic only; operator functions are reachable from the
 * operators' machines, and IAM decides who gets in.
 */
export function ingressOf(spec: FunctionSpec): string {
  if (spec.trigger.type === 'http' && spec.trigger.public) return 'ALLOW_INTERNAL_AND_GCLB';
  if (spec.trigger.type === 'http' && spec.trigger.invokers?.includes('operators')) return 'ALLOW_ALL';
  return 'ALLOW_INTERNAL_ONLY';
}

/** Tries per email in `notify`, below the subscription's MAX_DELIVERY_ATTEMPTS so that the row is marked failed first. */
export const NOTIFY_MAX_ATTEMPTS = 8;

/** The account id Cloud Scheduler invokes a scheduled function as (scheduler.ts). */
export const schedulerAccountId = (fn: string) => `sched-${fn}`.slice(0, 30);

/** Cloud Run's deterministic URL of a service, computable before it exists (unlike `serviceConfig.uri`). */
export const deterministicRunUrl = (name: string, projectNumber: string, region: string) => `https://${name}-${projectNumber}.${region}.run.app`;

/**
 * How an operator function checks its callers' ID tokens again after IAM (functions/incidents/src/operator-auth.ts):
 * Google-signed, for its own URL (or one of `somnus:operatorAudiences`), from the operators' emails (every
 * route) or, separately, the scheduler's own account (the outbox sweeper's job: `POST /ops/outbox/dispatch` only).
 */
export function operatorAuthEnv(config: StackConfig, spec: FunctionSpec, ownUrl: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
  const t = spec.trigger;
  if (!(t.type === 'http' && !t.public && t.invokers?.includes('operators'))) return {};
  const sweepers = spec.schedules?.length ? [`${schedulerAccountId(spec.name)}@${config.project}.iam.gserviceaccount.com`] : [];
  return {
    SOMNUS_OPERATOR_ISSUER: 'https://accounts.google.com',
    SOMNUS_OPERATOR_JWKS_URL: 'https://www.googleapis.com/oauth2/v3/certs',
    SOMNUS_OPERATOR_EMAILS: config.operatorEmails.join(','),
    ...(sweepers.length ? { SOMNUS_SWEEPER_EMAILS: sweepers.join(',') } : {}),
    SOMNUS_OPERATOR_AUDIENCE: pulumi.output(ownUrl).apply((u) => [u, ...config.operatorAudiences].join(',')),
  };
}

/** A service name of 6–30 characters for the account id. */
const accountId = (prefix: string, name: string) => `${prefix}-${name}`.slice(0, 30).padEnd(6, '0');

function invoker(name: string, config: StackConfig, fn: gcp.cloudfunctionsv2.Function, member: pulumi.Input<string>) {
  // A 2nd gen function is a Cloud Run service of the same name; invoking it is run.invoker on that service.
  return new gcp.cloudrunv2.ServiceIamMember(name, {
    project: config.project,
    location: config.region,
    name: fn.name,
    role: 'roles/run.invoker',
    member,
  });
}

export function createFunctions(d: FunctionsDeps): Record<string, DeployedFunction> {
  const { config } = d;
  const out: Record<string, DeployedFunction> = {};
  const projectNumber = gcp.organizations.getProjectOutput({ projectId: config.project }).apply((p) => String(p.number));
  for (const spec of d.registry) {
    const sizing = sizingOf(config, spec);
    const audienceUrl = projectNumber.apply((n) => deterministicRunUrl(spec.name, n, config.region));
    const sa = new gcp.serviceaccount.Account(`sa-fn-${spec.name}`, {
      project: config.project,
      accountId: accountId('fn', spec.name),
      displayName: `Somnus function ${spec.name}`,
      description: 'Runtime identity of one function; holds only the roles its registry entry lists',
    });
    const member = pulumi.interpolate`serviceAccount:${sa.email}`;

    for (const role of spec.roles) {
      // only what the registry entry lists, each with its reason there
      new gcp.projects.IAMMember(`fn-${spec.name}-${role.replace(/^roles\//, '').replace(/\./g, '-')}`, {
        project: config.project,
        role,
        member,
      });
    }
    // each secret its entry lists, read once as an environment variable when an instance starts
    const secretGrants = spec.secrets.map(
      (name) =>
        new gcp.secretmanager.SecretIamMember(`fn-${spec.name}-reads-${name}`, {
          project: config.project,
          secretId: d.secrets[name].secret.secretId,
          role: 'roles/secretmanager.secretAccessor',
          member,
        }),
    );
    for (const topic of spec.publishes ?? []) {
      // publishes to the topics its entry lists, and to no other
      new gcp.pubsub.TopicIAMMember(`fn-${spec.name}-publishes-${topic}`, {
        project: config.project,
        topic: d.pubsub.topics[topic].topic.name,
        role: 'roles/pubsub.publisher',
        member,
      });
    }

    const source = d.builder.functionSource(spec);
    const object = new gcp.storage.BucketObject(`source-${spec.name}`, {
      bucket: d.sourceBucket.name,
      // content-addressed: a changed build is a new object, and the function redeploys from it
      name: `functions/${spec.name}-${source.hash}.zip`,
      source: source.archive,
    });

    const fn = new gcp.cloudfunctionsv2.Function(
      `fn-${spec.name}`,
      {
        project: config.project,
        name: spec.name,
        location: config.region,
        description: `Somnus ${spec.name}`,
        buildConfig: {
          runtime: FUNCTION_RUNTIME,
          entryPoint: spec.entryPoint,
          source: { storageSource: { bucket: d.sourceBucket.name, object: object.name } },
          serviceAccount: d.build.serviceAccount.name,
          // our own repository, so the build account writes there and nowhere else
          dockerRepository: d.build.repository.id,
        },
        serviceConfig: {
          serviceAccountEmail: sa.email,
          availableMemory: `${sizing.memoryMiB}Mi`,
          availableCpu: String(sizing.cpu),
          minInstanceCount: sizing.minInstances,
          maxInstanceCount: sizing.maxInstances,
          maxInstanceRequestConcurrency: sizing.concurrency,
          // notify's claim lease (functions/notify/src/deps.ts) outlasts this plus the SMTP send deadline
          timeoutSeconds: 60,
          ingressSettings: ingressOf(spec),
          allTrafficOnLatestRevision: true,
          directVpcNetworkInterfaces: [{ network: d.network.network.id, subnetwork: d.network.subnet.id }],
          directVpcEgress: 'VPC_EGRESS_PRIVATE_RANGES_ONLY',
          // non-secrets only; every secret below is a Secret Manager reference, pinned to its version
          environmentVariables: {
            NODE_ENV: 'production',
            // the entries the load balancer appends to X-Forwarded-For, the client's first (gateway.ts); only
            // the public functions behind it use the client IP (rate limits, sessions)
            SOMNUS_TRUSTED_PROXY_HOPS: String(TRUSTED_PROXY_HOPS),
            LOG_LEVEL: config.logLevel,
            LOG_EXECUTION_ID: 'true',
            MAIL_FROM: config.mailFrom,
            // where emailed links (email verification) lead: the load balancer's own origin, never a request's Host
            SOMNUS_PUBLIC_URL: `https://${config.domain}`,
            DATABASE_POOL_MAX: String(DB_POOL_MAX),
            // the service's own settings (README); the same for every function, each reads what it needs
            SOMNUS_ORG_SEAT_LIMIT: String(config.service.orgSeatLimit),
            SOMNUS_CORS_ORIGINS: config.service.corsOrigins,
            SOMNUS_INVITE_TTL_SECONDS: String(config.service.inviteTtlSeconds),
            // the URL says sslmode=verify-ca; this is the CA the server's certificate must chain to (public)
            ...(spec.secrets.includes('database-url') ? { DATABASE_CA_CERT: d.databaseCa } : {}),
            ...operatorAuthEnv(config, spec, audienceUrl),
            // notify gives up on an email before Pub/Sub gives up on its message (docs/architecture.md §11.3)
            ...(spec.trigger.type === 'pubsub' ? { NOTIFY_MAX_ATTEMPTS: String(NOTIFY_MAX_ATTEMPTS) } : {}),
          },
          secretEnvironmentVariables: spec.secrets.map((name) => ({
            key: SECRET_ENV[name],
            projectId: config.project,
            secret: d.secrets[name].secret.secretId,
            version: d.secrets[name].version.version,
          })),
        },
        labels: { app: 'somnus', function: spec.name },
      },
      { dependsOn: [...d.dependsOn, ...secretGrants] },
    );
    const uri = fn.serviceConfig.apply((s) => s?.uri ?? '');
    out[spec.name] = { spec, fn, serviceAccount: sa, uri, audienceUrl, sizing };

    if (spec.trigger.type === 'http' && spec.trigger.public) {
      // Behind the load balancer, which does not authenticate: anyone may invoke, but ingress only
      // admits traffic that came through the load balancer (ALLOW_INTERNAL_AND_GCLB).
      invoker(`fn-${spec.name}-invoker-public`, config, fn, 'allUsers');
    } else if (spec.trigger.type === 'http') {
      if (spec.trigger.invokers?.includes('operators')) {
        if (!config.operatorsGroup) throw new Error(`function ${spec.name} is invoked by operators: set somnus:operatorsGroup`);
        // operators call it with their own identity token; IAM is the only gate (ingress is open)
        invoker(`fn-${spec.name}-invoker-operators`, config, fn, `group:${config.operatorsGroup}`);
      }
    } else {
      createPushTrigger(d, spec, spec.trigger.topic, fn, uri);
    }
  }
  return out;
}

/**
 * The Pub/Sub trigger: a push subscription we own, rather than the Eventarc trigger of `eventTrigger`,
 * because only an own subscription can carry a dead-letter policy and a bounded number of delivery
 * attempts. Messages are pushed with an OIDC token of a dedicated account, the function's only invoker;
 * functions-framework turns a push body into the CloudEvent a `cloudEvent()` handler expects (the topic
 * is read from the push path). Failed deliveries are retried with backoff, then dead-lettered.
 */
function createPushTrigger(
  d: FunctionsDeps,
  spec: FunctionSpec,
  topicName: keyof PubSub['topics'],
  fn: gcp.cloudfunctionsv2.Function,
  uri: pulumi.Output<string>,
): gcp.pubsub.Subscription {
  const { config } = d;
  const topics = d.pubsub.topics[topicName];
  const pushSa = new gcp.serviceaccount.Account(`sa-push-${spec.name}`, {
    project: config.project,
    accountId: accountId('push', spec.name),
    displayName: `Pub/Sub push to ${spec.name}`,
  });
  // the push account is the function's only invoker: Pub/Sub pushes with its OIDC token
  invoker(`fn-${spec.name}-invoker-push`, config, fn, pulumi.interpolate`serviceAccount:${pushSa.email}`);
  // Pub/Sub mints the push OIDC tokens as the push account
  new gcp.serviceaccount.IAMMember(`sa-push-${spec.name}-token-creator`, {
    serviceAccountId: pushSa.name,
    role: 'roles/iam.serviceAccountTokenCreator',
    member: d.pubsub.serviceAgent,
  });
  const subscription = new gcp.pubsub.Subscription(`sub-${topicName}-${spec.name}`, {
    project: config.project,
    name: `${topicName}-${spec.name}`,
    topic: topics.topic.id,
    ackDeadlineSeconds: 60,
    messageRetentionDuration: '604800s',
    expirationPolicy: { ttl: '' },
    pushConfig: {
      pushEndpoint: pulumi.interpolate`${uri}/projects/${config.project}/topics/${topicName}`,
      oidcToken: { serviceAccountEmail: pushSa.email, audience: uri },
    },
    retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
    deadLetterPolicy: { deadLetterTopic: topics.deadLetter.id, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS },
  });
  // Dead-lettering also needs the service agent to acknowledge on this subscription
  new gcp.pubsub.SubscriptionIAMMember(`sub-${topicName}-${spec.name}-dead-letter-subscriber`, {
    project: config.project,
    subscription: subscription.name,
    role: 'roles/pubsub.subscriber',
    member: d.pubsub.serviceAgent,
  });
  return subscription;
}
