import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import type { FunctionSpec, RouteDef } from '@somnus/models';
import type { Builder } from '../../build';
import type { StackConfig } from '../../config';

/**
 * Runs the Pulumi program under `pulumi.runtime.setMocks`: every resource registration is recorded with
 * its resolved inputs, which is what the policy tests assert on. No cloud, no CLI, no build.
 */

export interface Recorded {
  type: string;
  name: string;
  inputs: any;
  state: any;
  id: string;
  /** The URNs it was registered as depending on (explicit dependsOn and the resources its inputs come from). */
  dependencies: string[];
}

export const PROJECT = 'somnus-test';
export const PROJECT_NUMBER = '123456789012';

/** The generated secrets the mocks hand out; tests look for them where they must not be. */
export const SECRET_VALUES = {
  migratorPassword: 'MOCKPWmigrator0000000000000000000000000',
  appPassword: 'MOCKPWapp00000000000000000000000000000000',
  serverSecret: 'feedface'.repeat(8),
  smtpUrl: 'smtps://mailer:MOCK-SMTP-PASSWORD@smtp.example.com:465',
};

/** The server CA the mocked Cloud SQL instance reports (public, unlike the values above). */
export const MOCK_SERVER_CA = '-----BEGIN CERTIFICATE-----\nMOCKSERVERCA\n-----END CERTIFICATE-----\n';

const recorded: Recorded[] = [];
const builds: string[] = [];

function mockState(type: string, name: string, inputs: any): Record<string, unknown> {
  switch (type) {
    case 'gcp:serviceaccount/account:Account': {
      const email = `${inputs.accountId}@${PROJECT}.iam.gserviceaccount.com`;
      return { email, name: `projects/${PROJECT}/serviceAccounts/${email}`, member: `serviceAccount:${email}` };
    }
    case 'gcp:cloudfunctionsv2/function:Function':
      return {
        url: `https://${inputs.location}-${PROJECT}.cloudfunctions.net/${inputs.name}`,
        serviceConfig: { ...inputs.serviceConfig, uri: `https://${inputs.name}-mockhash-uc.a.run.app` },
      };
    case 'gcp:sql/databaseInstance:DatabaseInstance':
      return {
        privateIpAddress: '10.20.0.3',
        connectionName: `${PROJECT}:${inputs.region}:${inputs.name}`,
        serverCaCerts: [{ cert: MOCK_SERVER_CA, commonName: 'C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA', createTime: '', expirationTime: '', sha1Fingerprint: '' }],
      };
    case 'gcp:projects/serviceIdentity:ServiceIdentity': {
      const agent = `service-${PROJECT_NUMBER}@gcp-sa-${String(inputs.service).split('.')[0]}.iam.gserviceaccount.com`;
      return { email: agent, member: `serviceAccount:${agent}` };
    }
    case 'random:index/randomPassword:RandomPassword':
      return { result: name.includes('migrator') ? SECRET_VALUES.migratorPassword : SECRET_VALUES.appPassword };
    case 'random:index/randomId:RandomId':
      return { hex: SECRET_VALUES.serverSecret };
    case 'gcp:secretmanager/secretVersion:SecretVersion':
      return { version: '1', name: `${inputs.secret}/versions/1` };
    case 'gcp:compute/globalAddress:GlobalAddress':
      return { address: inputs.purpose === 'VPC_PEERING' ? '10.30.0.0' : '203.0.113.10' };
    default:
      return {};
  }
}

/** Dependencies of each registration, by `type::name`, read off the requests the SDK sends the mock monitor. */
const dependencies = new Map<string, string[]>();

let installed = false;
export function installMocks(): void {
  if (installed) return;
  installed = true;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = `${args.name}-id`;
        const state = {
          name: args.inputs.name ?? args.name,
          selfLink: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/mock/${args.name}`,
          ...args.inputs,
          ...mockState(args.type, args.name, args.inputs),
        };
        const deps = dependencies.get(`${args.type}::${args.name}`) ?? [];
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, state, id, dependencies: deps });
        return { id, state };
      },
      call(args) {
        if (args.token === 'gcp:organizations/getProject:getProject') {
          return { projectId: PROJECT, number: PROJECT_NUMBER, name: PROJECT };
        }
        return args.inputs;
      },
    },
    'somnus',
    'test',
    false,
  );
  // The mocks see a resource's inputs but not what it depends on; the registration request carries both.
  const monitor = pulumi.runtime.getMonitor();
  if (!(monitor instanceof MockMonitor)) throw new Error('pulumi mocks are not installed');
  const mock: MockMonitor = monitor;
  const register = mock.registerResource.bind(mock);
  mock.registerResource = (...args: Parameters<MockMonitor['registerResource']>) => {
    const [request] = args;
    dependencies.set(`${request.getType()}::${request.getName()}`, request.getDependenciesList());
    return register(...args);
  };
}

export function testConfig(overrides: Partial<StackConfig> = {}): StackConfig {
  return {
    project: PROJECT,
    region: 'us-central1',
    domain: 'api.somnus.example',
    db: { tier: 'db-custom-1-3840', availabilityType: 'REGIONAL', diskSizeGb: 10, backupStartTime: '03:00' },
    functions: { minInstances: 1, maxInstances: 20, concurrency: 40, overrides: { keys: { memoryMiB: 768, maxInstances: 7 } } },
    operatorsGroup: 'somnus-operators@example.com',
    operatorEmails: ['alice@example.com', 'bob@example.com'],
    operatorAudiences: [],
    mailFrom: 'Somnus <no-reply@somnus.example>',
    logLevel: 'info',
    smtpUrl: pulumi.secret(SECRET_VALUES.smtpUrl),
    gitOAuth: pulumi.secret('{}'),
    service: { orgSeatLimit: 25, corsOrigins: 'null,https://app.somnus.example', inviteTtlSeconds: 3600 },
    ...overrides,
  };
}

/** Records what would be built; never bundles. */
export const fakeBuilder: Builder = {
  functionSource(spec) {
    builds.push(spec.name);
    return { archive: new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(`// ${spec.name}`) }), hash: `hash${spec.name}` };
  },
  migrationBundle() {
    builds.push('migrate');
    return { asset: new pulumi.asset.StringAsset('migrate bundle'), hash: 'hashmigrate' };
  },
};

/** Resolves an Output (or a structure of them) to its plain value; secrets are unwrapped. */
export function resolve<T>(value: pulumi.Input<T> | Record<string, unknown>): Promise<unknown> {
  return new Promise((ok) => pulumi.output(value as pulumi.Input<T>).apply((v) => ok(v)));
}

/** Waits until no new resource has been registered for a while: every Output chain has settled. */
async function settle(): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((r) => setTimeout(r, 20));
    if (recorded.length === last) stable++;
    else {
      stable = 0;
      last = recorded.length;
    }
  }
}

export interface StackRun {
  resources: Recorded[];
  builds: string[];
  outputs: Record<string, unknown>;
  ofType(type: string): Recorded[];
  one(type: string, name: string): Recorded;
}

/**
 * Creates the stack once per test file (resource names must be unique within a program), inside a root stack
 * resource as `pulumi up` runs it, so stack transformations apply.
 */
export async function runStack(registry: readonly FunctionSpec[], routes: readonly RouteDef[], config = testConfig()): Promise<StackRun> {
  installMocks();
  const { createStack } = await import('../../stack');
  let stack: ReturnType<typeof createStack> | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    stack = createStack({ config, registry, routes, builder: fakeBuilder });
    return undefined;
  });
  const outputs = (await resolve(stack!.outputs as unknown as Record<string, unknown>)) as Record<string, unknown>;
  await settle();
  const resources = recorded.filter((r) => !r.type.startsWith('pulumi:'));
  return {
    resources,
    builds: [...builds],
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    one: (type, name) => {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}

export const T = {
  fn: 'gcp:cloudfunctionsv2/function:Function',
  sa: 'gcp:serviceaccount/account:Account',
  projectIam: 'gcp:projects/iAMMember:IAMMember',
  secretIam: 'gcp:secretmanager/secretIamMember:SecretIamMember',
  topicIam: 'gcp:pubsub/topicIAMMember:TopicIAMMember',
  subIam: 'gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember',
  bucketIam: 'gcp:storage/bucketIAMMember:BucketIAMMember',
  saIam: 'gcp:serviceaccount/iAMMember:IAMMember',
  runIam: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
  sql: 'gcp:sql/databaseInstance:DatabaseInstance',
  sqlUser: 'gcp:sql/user:User',
  secret: 'gcp:secretmanager/secret:Secret',
  secretVersion: 'gcp:secretmanager/secretVersion:SecretVersion',
  topic: 'gcp:pubsub/topic:Topic',
  subscription: 'gcp:pubsub/subscription:Subscription',
  urlMap: 'gcp:compute/uRLMap:URLMap',
  backend: 'gcp:compute/backendService:BackendService',
  backendBucket: 'gcp:compute/backendBucket:BackendBucket',
  neg: 'gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup',
  cert: 'gcp:compute/managedSslCertificate:ManagedSslCertificate',
  httpsProxy: 'gcp:compute/targetHttpsProxy:TargetHttpsProxy',
  httpProxy: 'gcp:compute/targetHttpProxy:TargetHttpProxy',
  forwardingRule: 'gcp:compute/globalForwardingRule:GlobalForwardingRule',
  scheduler: 'gcp:cloudscheduler/job:Job',
  runJob: 'gcp:cloudrunv2/job:Job',
  bucketObject: 'gcp:storage/bucketObject:BucketObject',
  bucket: 'gcp:storage/bucket:Bucket',
  service: 'gcp:projects/service:Service',
  serviceIdentity: 'gcp:projects/serviceIdentity:ServiceIdentity',
  repository: 'gcp:artifactregistry/repository:Repository',
  repositoryIam: 'gcp:artifactregistry/repositoryIamMember:RepositoryIamMember',
} as const;
