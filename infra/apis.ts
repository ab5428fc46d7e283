import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config';

/**
 * What a brand-new project must have enabled before the first `pulumi up` (README "Deploy to GCP"): enabling
 * any other API goes through Service Usage, and the provider reads the project through Cloud Resource Manager
 * first, so neither can be enabled by the stack itself. The stack still lists them below so that they stay on.
 */
export const BOOTSTRAP_APIS = ['cloudresourcemanager.googleapis.com', 'serviceusage.googleapis.com'] as const;

/** The Google APIs the stack uses, enabled by the stack itself (left enabled on destroy). */
export const REQUIRED_APIS = [
  ...BOOTSTRAP_APIS,
  'artifactregistry.googleapis.com',
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudscheduler.googleapis.com',
  'compute.googleapis.com',
  'iam.googleapis.com',
  'logging.googleapis.com',
  'pubsub.googleapis.com',
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'servicenetworking.googleapis.com',
  'sqladmin.googleapis.com',
  'storage.googleapis.com',
] as const;

export type Api = (typeof REQUIRED_APIS)[number];
export type Apis = Record<Api, gcp.projects.Service>;

/**
 * The APIs a resource calls, by its provider module (`gcp:<module>/<name>:<Name>`). A 2nd gen function is built
 * by Cloud Build into Artifact Registry and runs on Cloud Run; a project IAM binding is a Resource Manager call;
 * the private services peering also reserves a Compute address range.
 */
const APIS_BY_MODULE: Record<string, readonly Api[]> = {
  artifactregistry: ['artifactregistry.googleapis.com'],
  cloudfunctionsv2: ['cloudfunctions.googleapis.com', 'cloudbuild.googleapis.com', 'artifactregistry.googleapis.com', 'run.googleapis.com'],
  cloudrunv2: ['run.googleapis.com'],
  cloudscheduler: ['cloudscheduler.googleapis.com'],
  compute: ['compute.googleapis.com'],
  projects: ['cloudresourcemanager.googleapis.com'],
  pubsub: ['pubsub.googleapis.com'],
  secretmanager: ['secretmanager.googleapis.com'],
  serviceaccount: ['iam.googleapis.com'],
  servicenetworking: ['servicenetworking.googleapis.com', 'compute.googleapis.com'],
  sql: ['sqladmin.googleapis.com'],
  storage: ['storage.googleapis.com'],
};

const isApi = (name: unknown): name is Api => typeof name === 'string' && (REQUIRED_APIS as readonly string[]).includes(name);

/**
 * The APIs a resource of `type` (with inputs `props`) needs enabled before it is created. Resources that call no
 * Google API (random values, Pulumi's own) need none; a `gcp:` module nobody mapped is an error, so a new kind of
 * resource cannot be created before its API by accident.
 */
export function apisFor(type: string, props: Record<string, unknown> = {}): Api[] {
  if (!type.startsWith('gcp:')) return [];
  // the APIs themselves: only the bootstrap APIs come before them, and those are enabled by hand (BOOTSTRAP_APIS)
  if (type === 'gcp:projects/service:Service') return [];
  // generating a service agent is a Service Usage call, and the agent belongs to the API it is generated for
  if (type === 'gcp:projects/serviceIdentity:ServiceIdentity') {
    if (!isApi(props.service)) throw new Error(`service identity for ${String(props.service)}: add the API to REQUIRED_APIS`);
    return ['serviceusage.googleapis.com', props.service];
  }
  const module = type.slice('gcp:'.length).split('/')[0]!;
  const apis = APIS_BY_MODULE[module];
  if (!apis) throw new Error(`resource type ${type}: say in infra/apis.ts (APIS_BY_MODULE) which APIs it needs`);
  return [...apis];
}

export function enableApis(config: StackConfig): Apis {
  return Object.fromEntries(
    REQUIRED_APIS.map((service) => [
      service,
      new gcp.projects.Service(`api-${service.split('.')[0]}`, {
        project: config.project,
        service,
        disableOnDestroy: false,
        disableDependentServices: false,
      }),
    ]),
  ) as Apis;
}

/**
 * A stack transformation that makes every resource created after it depend on the APIs it calls (apisFor), so
 * that in a new project nothing is created before its API is on: a service account before IAM, a subnet before
 * Compute, a project IAM binding before Resource Manager.
 */
export function dependOnApis(apis: Apis): pulumi.ResourceTransformation {
  return (args) => {
    const needed = apisFor(args.type, args.props);
    if (!needed.length) return undefined;
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: needed.map((api) => apis[api]) }) };
  };
}
