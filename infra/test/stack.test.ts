import fs from 'node:fs';
import path from 'node:path';
import { FUNCTION_REGISTRY, FUNCTION_RUNTIME, ROUTES, SECRET_ENV, matchRoute, type FunctionSpec } from '@somnus/models';
import { BOOTSTRAP_APIS, REQUIRED_APIS, apisFor } from '../apis';
import { DB_POOL_MAX, sizingOf } from '../functions';
import { UNROUTED_FN } from '../gateway';
import { MIGRATION_IMAGE } from '../migrations';
import { grants, isSecretWrapped, leaves, routeThroughUrlMap } from './support/policy';
import { MOCK_SERVER_CA, PROJECT, PROJECT_NUMBER, SECRET_VALUES, runStack, testConfig, T, type StackRun } from './support/harness';

/**
 * Policies of the production stack (the real registry and route table), checked on the resource inputs
 * recorded under pulumi mocks. Each test names the policy a reviewer would otherwise check by eye.
 */

let run: StackRun;
const config = testConfig();
const REGISTRY: readonly FunctionSpec[] = FUNCTION_REGISTRY;
const saEmail = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;

beforeAll(async () => {
  run = await runStack(REGISTRY, ROUTES, config);
});

describe('region', () => {
  it('places every regional resource in us-central1', () => {
    const placed: string[] = [];
    for (const r of run.resources) {
      for (const [path, value] of leaves(r.inputs)) {
        const key = path.split('.').pop()!.replace(/\[\d+\]$/, '');
        if (['region', 'location', 'triggerRegion', 'allowedPersistenceRegions'].includes(key)) {
          expect({ resource: `${r.type} ${r.name}`, path, value: String(value).toLowerCase() }).toEqual({
            resource: `${r.type} ${r.name}`,
            path,
            value: 'us-central1',
          });
          placed.push(r.type);
        }
      }
    }
    // the regional kinds all say where they are (a missing region would default to somewhere else)
    for (const type of [T.fn, T.sql, T.neg, T.scheduler, T.runJob, T.secret, T.topic, 'gcp:compute/subnetwork:Subnetwork', 'gcp:storage/bucket:Bucket']) {
      const all = run.ofType(type);
      expect(all.length).toBeGreaterThan(0);
      for (const r of all) expect(leaves(r.inputs).some(([p]) => /(^|\.)(region|location|allowedPersistenceRegions)(\[\d+\])?$/.test(p))).toBe(true);
    }
    expect(placed.length).toBeGreaterThan(20);
  });
});

describe('a brand-new project', () => {
  const urnName = (urn: string) => urn.split('::').pop()!;

  it('enables Resource Manager too, and the README says the one command that comes before the first pulumi up', () => {
    const enabled = run.ofType(T.service).map((s) => s.inputs.service);
    expect(enabled.sort()).toEqual([...REQUIRED_APIS].sort());
    for (const api of ['cloudresourcemanager.googleapis.com', 'serviceusage.googleapis.com']) expect(enabled).toContain(api);
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(`gcloud services enable ${BOOTSTRAP_APIS.join(' ')} --project `);
  });

  it('tells, in the README, what Domain Restricted Sharing does to the public invoker and how the database is deleted', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy to GCP'));
    for (const words of ['Domain Restricted Sharing', 'allUsers', 'iam.allowedPolicyMemberDomains', 'pulumi state unprotect', 'deletionProtection: false', 'settings.deletionProtectionEnabled: false']) {
      expect({ words, told: deploy.includes(words) }).toEqual({ words, told: true });
    }
  });

  it('creates nothing before the APIs it calls are enabled', () => {
    const apiResource = new Map(run.ofType(T.service).map((s) => [s.inputs.service as string, s.name]));
    const missing: string[] = [];
    let checked = 0;
    for (const r of run.resources) {
      const needed = apisFor(r.type, r.inputs);
      if (!needed.length) continue;
      checked += 1;
      const deps = new Set(r.dependencies.map(urnName));
      for (const api of needed) if (!deps.has(apiResource.get(api)!)) missing.push(`${r.type} ${r.name} before ${api}`);
    }
    expect(missing).toEqual([]);
    // every kind of resource of the stack is covered: service accounts, IAM, Compute, SQL, functions…
    expect(checked).toBe(run.resources.filter((r) => r.type.startsWith('gcp:') && r.type !== T.service).length);
  });

  it('grants the Pub/Sub service agent roles only once its identity exists', () => {
    const identity = run.one(T.serviceIdentity, 'pubsub-service-agent');
    expect(identity.inputs.service).toBe('pubsub.googleapis.com');
    const agentGrants = run.resources.filter((r) => /IamMember|IAMMember/.test(r.type) && r.inputs.member === identity.state.member);
    expect(agentGrants.length).toBeGreaterThan(0);
    for (const g of agentGrants) expect({ grant: g.name, afterIdentity: g.dependencies.map(urnName).includes(identity.name) }).toEqual({ grant: g.name, afterIdentity: true });
  });
});

describe('the source bucket', () => {
  it('never deletes a live object: archives are named by content and the stack still points at them', () => {
    const bucket = run.one(T.bucket, 'source-bucket');
    for (const rule of bucket.inputs.lifecycleRules ?? []) {
      if (rule.action.type !== 'Delete') continue;
      const c = rule.condition ?? {};
      const noncurrentOnly = c.withState === 'ARCHIVED' || c.daysSinceNoncurrentTime !== undefined || c.numNewerVersions !== undefined;
      expect({ rule, noncurrentOnly }).toEqual({ rule, noncurrentOnly: true });
    }
  });
});

describe('database', () => {
  it('is PostgreSQL 17 on a private IP only, TLS required, backed up with PITR and protected from deletion', () => {
    const [db, ...others] = run.ofType(T.sql);
    expect(others).toHaveLength(0);
    const i = db!.inputs;
    expect(i.databaseVersion).toBe('POSTGRES_17');
    expect(i.region).toBe('us-central1');
    expect(i.deletionProtection).toBe(true);
    expect(i.settings.deletionProtectionEnabled).toBe(true);
    expect(i.settings.ipConfiguration.ipv4Enabled).toBe(false);
    expect(i.settings.ipConfiguration.privateNetwork).toBe('vpc-id');
    expect(i.settings.ipConfiguration.authorizedNetworks ?? []).toEqual([]);
    expect(i.settings.ipConfiguration.sslMode).toBe('ENCRYPTED_ONLY');
    expect(i.settings.ipConfiguration.serverCaMode).toBe('GOOGLE_MANAGED_INTERNAL_CA');
    expect(i.settings.backupConfiguration).toMatchObject({ enabled: true, pointInTimeRecoveryEnabled: true });
    expect(i.settings.backupConfiguration.transactionLogRetentionDays).toBeGreaterThanOrEqual(1);
    expect(i.settings.insightsConfig.queryInsightsEnabled).toBe(true);
    expect(i.settings.availabilityType).toBe(config.db.availabilityType);
    expect(i.settings.tier).toBe(config.db.tier);
  });

  /**
   * The flags Cloud SQL accepts for PostgreSQL 17 that the stack sets, and where each was confirmed (an unknown
   * flag fails the instance's creation). A flag added to database.ts must be added here, with its source.
   */
  const CONFIRMED_FLAGS: Record<string, string> = {
    max_connections: "Cloud SQL's memory page (sql/docs/postgres/manage-memory-usage-best-practices); a restart: PostgreSQL sets it at server start only",
    log_connections: "Cloud SQL's flags page (sql/docs/postgres/flags), whose own gcloud example sets log_connections=on",
  };

  it('sets only flags confirmed for Cloud SQL PostgreSQL 17, and no slow-statement log (it would carry bind parameters)', () => {
    const flags = Object.fromEntries(run.ofType(T.sql)[0]!.inputs.settings.databaseFlags.map((f: any) => [f.name, f.value]));
    expect(Object.keys(flags).filter((name) => !(name in CONFIRMED_FLAGS))).toEqual([]);
    expect(flags.log_min_duration_statement ?? '-1').toBe('-1');
    expect(flags.log_statement ?? 'none').toBe('none');
  });

  it('allows enough connections for every function instance at full scale', () => {
    const flags = Object.fromEntries(run.ofType(T.sql)[0]!.inputs.settings.databaseFlags.map((f: any) => [f.name, Number(f.value)]));
    const atScale = REGISTRY.filter((s) => s.secrets.includes('database-url')).reduce((n, s) => n + sizingOf(config, s).maxInstances * DB_POOL_MAX, 0);
    expect(flags.max_connections).toBeGreaterThan(atScale);
    for (const f of run.ofType(T.fn)) expect(f.inputs.serviceConfig.environmentVariables.DATABASE_POOL_MAX).toBe(String(DB_POOL_MAX));
  });

  it('reaches the VPC through private service access', () => {
    const [conn] = run.ofType('gcp:servicenetworking/connection:Connection');
    expect(conn!.inputs.service).toBe('servicenetworking.googleapis.com');
    const range = run.one('gcp:compute/globalAddress:GlobalAddress', 'sql-private-range');
    expect(range.inputs).toMatchObject({ purpose: 'VPC_PEERING', addressType: 'INTERNAL' });
    expect(conn!.inputs.reservedPeeringRanges).toEqual([range.state.name]);
  });

  it('has the database and the migrator as a Cloud SQL user; the app role is not one (no cloudsqlsuperuser)', () => {
    expect(run.ofType('gcp:sql/database:Database').map((d) => d.inputs.name)).toEqual(['somnus']);
    const users = run.ofType(T.sqlUser);
    expect(users.map((u) => u.inputs.name)).toEqual(['somnus_migrator']);
    expect(isSecretWrapped(users[0]!.inputs.password)).toBe(true);
    // the app role's password and URL exist only as Secret Manager secrets
    const secretIds = run.ofType(T.secret).map((s) => s.inputs.secretId).sort();
    expect(secretIds).toEqual(
      ['somnus-app-db-password', 'somnus-database-url', 'somnus-git-oauth', 'somnus-key-history-signing-key', 'somnus-migrator-database-url', 'somnus-server-secret', 'somnus-smtp-url'].sort(),
    );
    const appUrl = run.ofType(T.secretVersion).find((v) => v.inputs.secret === 'secret-database-url-id')!;
    expect(appUrl.inputs.secretData.value).toMatch(/^postgres:\/\/somnus_app:[^@]+@10\.20\.0\.3:5432\/somnus\?sslmode=verify-ca$/);
  });

  it('is reached with TLS and the server verified against its own CA, by functions and the migration job', () => {
    for (const v of run.ofType(T.secretVersion).filter((v) => /database-url/.test(v.inputs.secret))) {
      expect(v.inputs.secretData.value).toMatch(/\?sslmode=verify-ca$/);
    }
    for (const f of run.ofType(T.fn)) {
      const spec = REGISTRY.find((s) => s.name === f.inputs.name)!;
      const ca = f.inputs.serviceConfig.environmentVariables.DATABASE_CA_CERT;
      expect({ fn: spec.name, ca }).toEqual({ fn: spec.name, ca: spec.secrets.includes('database-url') ? MOCK_SERVER_CA : undefined });
    }
    const job = run.one(T.runJob, 'migrate-job').inputs.template.template.containers[0];
    expect(job.envs).toContainEqual({ name: 'DATABASE_CA_CERT', value: MOCK_SERVER_CA });
  });
});

describe('secrets', () => {
  const values = Object.values(SECRET_VALUES);

  it('keeps every generated or configured secret in Secret Manager versions, marked secret', () => {
    const versions = run.ofType(T.secretVersion);
    expect(versions).toHaveLength(7);
    for (const v of versions) expect(isSecretWrapped(v.inputs.secretData)).toBe(true);
    const stored = versions.map((v) => v.inputs.secretData.value).join('\n');
    for (const value of values) expect(stored).toContain(value);
  });

  it('lets no secret value appear in any other input: env vars, job envs, scheduler bodies, labels…', () => {
    const leaks: string[] = [];
    for (const r of run.resources) {
      if (r.type === T.secretVersion) continue;
      if (r.type === T.sqlUser) {
        expect(isSecretWrapped(r.inputs.password)).toBe(true);
        continue;
      }
      for (const [path, leaf] of leaves(r.inputs)) {
        if (typeof leaf === 'string' && values.some((v) => leaf.includes(v))) leaks.push(`${r.type} ${r.name} ${path}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('gives functions secrets only as Secret Manager references, never as plain env vars', () => {
    for (const f of run.ofType(T.fn)) {
      const env = f.inputs.serviceConfig.environmentVariables;
      for (const secretEnv of Object.values(SECRET_ENV)) expect(env).not.toHaveProperty(secretEnv);
      const spec = REGISTRY.find((s) => s.name === f.inputs.name)!;
      expect(f.inputs.serviceConfig.secretEnvironmentVariables).toEqual(
        spec.secrets.map((name) => ({ key: SECRET_ENV[name], projectId: PROJECT, secret: `somnus-${name}`, version: '1' })),
      );
      expect(env).toMatchObject({ NODE_ENV: 'production', SOMNUS_TRUSTED_PROXY_HOPS: '2' });
      // the service's settings reach every function as the README names them
      expect(env).toMatchObject({ SOMNUS_ORG_SEAT_LIMIT: '25', SOMNUS_CORS_ORIGINS: 'null,https://app.somnus.example', SOMNUS_INVITE_TTL_SECONDS: '3600' });
    }
  });

  it('puts no secret value in any stack output', () => {
    const text = JSON.stringify(run.outputs);
    for (const value of values) expect(text).not.toContain(value);
    expect(text).not.toContain('postgres://');
  });
});

describe('functions', () => {
  it('deploys one 2nd gen function per registry entry on the supported runtime, each built once from its own archive', () => {
    const fns = run.ofType(T.fn);
    expect(fns.map((f) => f.inputs.name).sort()).toEqual(REGISTRY.map((s) => s.name).sort());
    expect(run.builds.sort()).toEqual([...REGISTRY.map((s) => s.name), 'migrate'].sort());
    for (const f of fns) {
      const spec = REGISTRY.find((s) => s.name === f.inputs.name)!;
      expect(f.inputs.buildConfig).toMatchObject({
        runtime: FUNCTION_RUNTIME,
        entryPoint: spec.entryPoint,
        source: { storageSource: { bucket: `${PROJECT}-somnus-sources`, object: `functions/${spec.name}-hash${spec.name}.zip` } },
      });
      const object = run.one(T.bucketObject, `source-${spec.name}`);
      expect(object.inputs.name).toBe(f.inputs.buildConfig.source.storageSource.object);
      expect(f.inputs.serviceConfig).toMatchObject({
        directVpcEgress: 'VPC_EGRESS_PRIVATE_RANGES_ONLY',
        directVpcNetworkInterfaces: [{ network: 'vpc-id', subnetwork: 'serverless-subnet-id' }],
        serviceAccountEmail: saEmail(spec.name),
      });
    }
  });

  it('sizes memory, CPU, instances and concurrency as the config says (auth ≥ 1 GiB)', () => {
    for (const spec of REGISTRY) {
      const sc = run.ofType(T.fn).find((f) => f.inputs.name === spec.name)!.inputs.serviceConfig;
      const want = sizingOf(config, spec);
      expect({
        availableMemory: sc.availableMemory,
        availableCpu: sc.availableCpu,
        minInstanceCount: sc.minInstanceCount,
        maxInstanceCount: sc.maxInstanceCount,
        maxInstanceRequestConcurrency: sc.maxInstanceRequestConcurrency,
      }).toEqual({
        availableMemory: `${want.memoryMiB}Mi`,
        availableCpu: String(want.cpu),
        minInstanceCount: config.functions.minInstances,
        maxInstanceCount: config.functions.overrides[spec.name]?.maxInstances ?? config.functions.maxInstances,
        maxInstanceRequestConcurrency: config.functions.overrides[spec.name]?.concurrency ?? spec.concurrency ?? config.functions.concurrency,
      });
    }
    // notify's own default: what one instance's SMTP pool sends within a delivery's budget
    const notify = run.ofType(T.fn).find((f) => f.inputs.name === 'notify')!.inputs.serviceConfig;
    expect(notify.maxInstanceRequestConcurrency).toBe(8);
    const keys = run.ofType(T.fn).find((f) => f.inputs.name === 'keys')!.inputs.serviceConfig;
    expect(keys).toMatchObject({ availableMemory: '768Mi', maxInstanceCount: 7 }); // the override in testConfig
    const auth = run.ofType(T.fn).find((f) => f.inputs.name === 'auth')!.inputs.serviceConfig;
    expect(parseInt(auth.availableMemory, 10)).toBeGreaterThanOrEqual(1024);
  });
});

describe('service accounts', () => {
  it('gives each function account exactly the roles its registry entry lists, and only its own secrets', () => {
    const all = grants(run);
    for (const spec of REGISTRY) {
      const member = `serviceAccount:${saEmail(spec.name)}`;
      const got = all.filter((g) => g.member === member).map((g) => `${g.on} ${g.role}`).sort();
      const want = [
        ...spec.roles.map((role) => `project ${role}`),
        ...spec.secrets.map((s) => `secret:somnus-${s} roles/secretmanager.secretAccessor`),
        ...(spec.publishes ?? []).map((t) => `topic:${t} roles/pubsub.publisher`),
      ].sort();
      expect({ fn: spec.name, grants: got }).toEqual({ fn: spec.name, grants: want });
    }
  });

  it('gives no account roles/cloudsql.client: functions and the job connect to the private IP with a password', () => {
    expect(grants(run).filter((g) => g.role === 'roles/cloudsql.client')).toEqual([]);
  });

  it('lets the build account write build logs, read sources and push to its own repository, nothing more', () => {
    const member = `serviceAccount:somnus-build@${PROJECT}.iam.gserviceaccount.com`;
    const repo = run.one(T.repository, 'functions-images');
    expect(grants(run).filter((g) => g.member === member).map((g) => `${g.on} ${g.role}`).sort()).toEqual(
      ['project roles/logging.logWriter', 'project roles/storage.objectViewer', `repository:${repo.state.name} roles/artifactregistry.writer`].sort(),
    );
    expect(grants(run).filter((g) => g.role === 'roles/cloudbuild.builds.builder')).toEqual([]);
    for (const f of run.ofType(T.fn)) {
      expect(f.inputs.buildConfig).toMatchObject({ serviceAccount: `projects/${PROJECT}/serviceAccounts/somnus-build@${PROJECT}.iam.gserviceaccount.com`, dockerRepository: repo.id });
    }
  });

  it('has one runtime account per function, none shared', () => {
    const emails = run.ofType(T.fn).map((f) => f.inputs.serviceConfig.serviceAccountEmail);
    expect(new Set(emails).size).toBe(REGISTRY.length);
  });

  it('lets the migration job read only the migrator URL, the app password and its bundle', () => {
    const member = `serviceAccount:somnus-migrate@${PROJECT}.iam.gserviceaccount.com`;
    expect(grants(run).filter((g) => g.member === member).map((g) => `${g.on} ${g.role}`).sort()).toEqual([
      `bucket:${PROJECT}-somnus-sources roles/storage.objectViewer`,
      'secret:somnus-app-db-password roles/secretmanager.secretAccessor',
      'secret:somnus-migrator-database-url roles/secretmanager.secretAccessor',
    ]);
  });

  it('gives the Pub/Sub service agent what dead-lettering needs on the dead-letter topic', () => {
    const agent = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
    expect(grants(run).filter((g) => g.member === agent)).toContainEqual({
      member: agent,
      on: 'topic:breach-notifications-dead-letter',
      role: 'roles/pubsub.publisher',
    });
  });
});

describe('load balancer', () => {
  const urlMap = () => run.one(T.urlMap, 'url-map').inputs;
  const backendToFunction = (service: string): string | null => {
    const backend = run.ofType(T.backend).find((b) => b.state.selfLink === service);
    if (!backend) return null;
    expect(backend.inputs.backends).toHaveLength(1);
    const neg = run.ofType(T.neg).find((n) => n.id === backend.inputs.backends[0].group)!;
    expect(neg.inputs).toMatchObject({ networkEndpointType: 'SERVERLESS', region: 'us-central1' });
    return neg.inputs.cloudFunction.function;
  };
  const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, (m) => `${m.slice(1)}_123`);

  it('routes every route of the route table to its function', () => {
    for (const route of ROUTES) {
      const service = routeThroughUrlMap(urlMap(), config.domain, concrete(route.path));
      expect({ route: `${route.method} ${route.path}`, fn: backendToFunction(service) }).toEqual({
        route: `${route.method} ${route.path}`,
        fn: route.fn,
      });
    }
  });

  it('routes nothing else: unknown paths and private functions’ paths reach the function that answers 404, other hosts the empty bucket', () => {
    const unrouted = run.one(T.backendBucket, 'backend-unrouted');
    const answersUnknown = run.one(T.backend, `backend-${UNROUTED_FN}`).state.selfLink;
    expect(urlMap().defaultService).toBe(unrouted.state.selfLink);
    expect(urlMap().pathMatchers.map((m: any) => m.defaultService)).toEqual([answersUnknown]);
    const probes = ['/', '/auth', '/auth/', '/cleanup', '/maintenance', '/ops/incidents', '/v1/keys/extra', '/v1/user', '/graphql', '/v1/organizations/a/b/c/d/e', '/AUTH/SIGNUP'];
    for (const path of probes) {
      const gateway = matchRoute('GET', path, ROUTES);
      const routedLocally = 'route' in gateway || gateway.methodMismatch;
      const service = routeThroughUrlMap(urlMap(), config.domain, path);
      // a route goes to its function; anything else to the one answering "no such endpoint", never a private function
      const matched = ROUTES.map((r) => matchRoute(r.method, path, ROUTES)).find((m) => 'route' in m);
      const fnOfPath = matched && 'route' in matched ? matched.route.fn : null;
      expect({ path, routedLocally, fn: backendToFunction(service) }).toEqual({ path, routedLocally, fn: routedLocally ? fnOfPath : UNROUTED_FN });
    }
    expect(routeThroughUrlMap(urlMap(), 'other.example', '/auth/signup')).toBe(unrouted.state.selfLink);
    // the bucket behind it is empty and closed
    const bucket = run.one('gcp:storage/bucket:Bucket', 'unrouted-bucket');
    expect(bucket.inputs.publicAccessPrevention).toBe('enforced');
    expect(run.ofType(T.bucketObject).filter((o) => o.inputs.bucket === bucket.state.name)).toEqual([]);
  });

  it('has exactly one rule per distinct route path, and a backend only for public functions', () => {
    const rules = urlMap().pathMatchers[0].routeRules;
    expect(rules).toHaveLength(new Set(ROUTES.map((r) => r.path)).size);
    const publicFns = REGISTRY.filter((s) => s.trigger.type === 'http' && s.trigger.public).map((s) => s.name).sort();
    expect(run.ofType(T.neg).map((n) => n.inputs.cloudFunction.function).sort()).toEqual(publicFns);
    expect(run.ofType(T.backend).every((b) => b.inputs.loadBalancingScheme === 'EXTERNAL_MANAGED')).toBe(true);
  });

  it('serves HTTPS with a managed certificate for the domain and redirects HTTP to HTTPS', () => {
    const cert = run.one(T.cert, 'certificate');
    expect(cert.inputs.managed.domains).toEqual([config.domain]);
    const https = run.one(T.httpsProxy, 'https-proxy');
    expect(https.inputs.sslCertificates).toEqual([cert.state.selfLink]);
    expect(https.inputs.urlMap).toBe(run.one(T.urlMap, 'url-map').state.selfLink);
    const rules = run.ofType(T.forwardingRule);
    expect(rules.map((r) => r.inputs.portRange).sort()).toEqual(['443', '80']);
    const http = rules.find((r) => r.inputs.portRange === '80')!;
    const httpProxy = run.one(T.httpProxy, 'http-proxy');
    expect(http.inputs.target).toBe(httpProxy.state.selfLink);
    const redirect = run.ofType(T.urlMap).find((m) => m.state.selfLink === httpProxy.inputs.urlMap)!;
    // 308, not 301: a client must repeat a POST as a POST at the HTTPS address
    expect(redirect.inputs.defaultUrlRedirect).toMatchObject({ httpsRedirect: true, redirectResponseCode: 'PERMANENT_REDIRECT' });
    expect(redirect.inputs.pathMatchers ?? []).toEqual([]);
    expect(rules.every((r) => r.inputs.ipAddress === '203.0.113.10')).toBe(true);
  });

  it('lets the public functions take traffic only through the load balancer', () => {
    for (const f of run.ofType(T.fn)) {
      const spec = REGISTRY.find((s) => s.name === f.inputs.name)!;
      const isPublic = spec.trigger.type === 'http' && spec.trigger.public;
      // operator functions are reached from operators' machines: IAM (and the function's token check) decide
      const forOperators = spec.trigger.type === 'http' && !spec.trigger.public && (spec.trigger.invokers ?? []).includes('operators');
      expect({ fn: spec.name, ingress: f.inputs.serviceConfig.ingressSettings }).toEqual({
        fn: spec.name,
        ingress: isPublic ? 'ALLOW_INTERNAL_AND_GCLB' : forOperators ? 'ALLOW_ALL' : 'ALLOW_INTERNAL_ONLY',
      });
    }
  });
});

describe('private maintenance function and its schedule', () => {
  it('has no public invoker: only its scheduler account may invoke it', () => {
    const invokers = grants(run).filter((g) => g.on === 'run:maintenance');
    expect(invokers).toEqual([
      { member: `serviceAccount:sched-maintenance@${PROJECT}.iam.gserviceaccount.com`, on: 'run:maintenance', role: 'roles/run.invoker' },
    ]);
    expect(grants(run).filter((g) => /^(allUsers|allAuthenticatedUsers)$/.test(g.member)).map((g) => g.on).sort()).toEqual(
      REGISTRY.filter((s) => s.trigger.type === 'http' && s.trigger.public).map((s) => `run:${s.name}`).sort(),
    );
  });

  it('is called by Cloud Scheduler with an OIDC token for its URL', () => {
    const jobs = run.ofType(T.scheduler);
    const schedules = REGISTRY.flatMap((s) => (s.schedules ?? []).map((sch) => ({ fn: s.name, ...sch })));
    expect(jobs).toHaveLength(schedules.length);
    const cleanup = schedules.find((s) => s.fn === 'maintenance' && s.name === 'cleanup')!;
    const job = jobs.find((j) => j.inputs.name === 'somnus-maintenance-cleanup')!;
    expect(job.inputs).toMatchObject({
      region: 'us-central1',
      schedule: cleanup.cron,
      timeZone: 'Etc/UTC',
      httpTarget: {
        httpMethod: 'POST',
        uri: `https://maintenance-mockhash-uc.a.run.app${cleanup.path}`,
        oidcToken: {
          serviceAccountEmail: `sched-maintenance@${PROJECT}.iam.gserviceaccount.com`,
          audience: 'https://maintenance-mockhash-uc.a.run.app',
        },
      },
    });
  });
});

describe('pub/sub', () => {
  it('has the notification topic, its dead-letter topic and a subscription to inspect it', () => {
    const topics = run.ofType(T.topic).map((t) => t.inputs.name).sort();
    expect(topics).toEqual(['breach-notifications', 'breach-notifications-dead-letter']);
    const dlq = run.ofType(T.topic).find((t) => t.inputs.name === 'breach-notifications-dead-letter')!;
    const inspect = run.ofType(T.subscription).find((s) => s.inputs.name === 'breach-notifications-dead-letter-inspect')!;
    expect(inspect.inputs.topic).toBe(dlq.id);
    expect(inspect.inputs.pushConfig).toBeUndefined();
  });
});

describe('migrations', () => {
  it('runs the migration bundle as a Cloud Run job with the migrator credentials from Secret Manager', () => {
    const [job, ...rest] = run.ofType(T.runJob);
    expect(rest).toHaveLength(0);
    const t = job!.inputs.template.template;
    expect(job!.inputs.location).toBe('us-central1');
    expect(t.vpcAccess).toMatchObject({ egress: 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network: 'vpc-id', subnetwork: 'serverless-subnet-id' }] });
    expect(t.serviceAccount).toBe(`somnus-migrate@${PROJECT}.iam.gserviceaccount.com`);
    const envs = Object.fromEntries(t.containers[0].envs.map((e: any) => [e.name, e.value ?? e.valueSource]));
    expect(envs).toEqual({
      BUNDLE: 'migrate/migrate-hashmigrate.tgz',
      NODE_ENV: 'production',
      DATABASE_CA_CERT: MOCK_SERVER_CA,
      MIGRATION_DATABASE_URL: { secretKeyRef: { secret: 'somnus-migrator-database-url', version: '1' } },
      SOMNUS_APP_DB_PASSWORD: { secretKeyRef: { secret: 'somnus-app-db-password', version: '1' } },
    });
    expect(t.containers[0].args[0]).toContain('node dist/migrate.js');
  });

  it('mounts the bundle bucket so that the bundle under migrate/ is found (no object stands for the folder)', () => {
    const t = run.one(T.runJob, 'migrate-job').inputs.template.template;
    const bundle = run.one(T.bucketObject, 'source-migrate').inputs.name as string;
    const volume = t.volumes.find((v: any) => v.name === 'bundle');
    expect(volume.gcs).toMatchObject({ bucket: `${PROJECT}-somnus-sources`, readOnly: true });
    const atRoot = !bundle.includes('/');
    expect({ bundle, found: atRoot || (volume.gcs.mountOptions ?? []).includes('implicit-dirs') }).toEqual({ bundle, found: true });
  });

  it("runs the deployed Node major's official image, pinned by digest and pulled through an Artifact Registry mirror of Docker Hub", () => {
    const image = run.one(T.runJob, 'migrate-job').inputs.template.template.containers[0].image as string;
    const mirror = run.one(T.repository, 'docker-hub').inputs;
    expect(mirror).toMatchObject({ mode: 'REMOTE_REPOSITORY', format: 'DOCKER', location: 'us-central1', remoteRepositoryConfig: { dockerRepository: { publicRepository: 'DOCKER_HUB' } } });
    expect(image).toBe(`us-central1-docker.pkg.dev/${PROJECT}/${mirror.repositoryId}/library/node@${MIGRATION_IMAGE.digest}`);
    expect(MIGRATION_IMAGE.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('outputs', () => {
  it('exports the public URL, the incidents URL, the topics and the instance connection name', () => {
    expect(run.outputs).toMatchObject({
      publicUrl: `https://${config.domain}`,
      incidentsUrl: expect.any(String),
      topics: { 'breach-notifications': { topic: 'breach-notifications', deadLetter: 'breach-notifications-dead-letter' } },
      instanceConnectionName: `${PROJECT}:us-central1:somnus-pg`,
    });
  });
});
