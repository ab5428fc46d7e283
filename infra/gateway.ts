import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { isWildcardPath, type RouteDef } from '@somnus/models';
import type { StackConfig } from './config';
import type { DeployedFunction } from './functions';

/**
 * The public entry (docs/architecture.md §3, §5.3): a global external Application Load Balancer whose URL map is generated
 * from the same route table as the local gateway (packages/dev/src/gateway.ts). One serverless NEG and
 * backend service per public function. A path of the API's host that is not a route reaches UNROUTED_FN, whose
 * router answers it as the local gateway does (404 JSON, CORS headers included); another host reaches an empty
 * bucket. No private function is ever reachable through it.
 */

/** The public function that answers the API host's unknown paths: the cheapest one, which serves the startup calls. */
export const UNROUTED_FN = 'app';

/**
 * What each kind of Google load balancer appends to X-Forwarded-For before the request reaches a serverless
 * NEG (cloud.google.com/load-balancing/docs/https, "X-Forwarded-For header"): the global external
 * Application Load Balancer (EXTERNAL_MANAGED) and the classic one (EXTERNAL) both append
 * `<client-ip>,<load-balancer-ip>` after whatever the client sent, and Cloud Run adds nothing after them.
 * The functions behind it read the client at that many entries from the right (SOMNUS_TRUSTED_PROXY_HOPS,
 * docs/architecture.md §6): one fewer is the load balancer for every client, one more is what the client sent.
 */
export const FORWARDED_FOR_APPENDED = { EXTERNAL_MANAGED: 2, EXTERNAL: 2 } as const;
export type LoadBalancingScheme = keyof typeof FORWARDED_FOR_APPENDED;

/** The scheme of every backend service and forwarding rule below. */
export const LOAD_BALANCING_SCHEME: LoadBalancingScheme = 'EXTERNAL_MANAGED';

/** SOMNUS_TRUSTED_PROXY_HOPS of the functions behind the load balancer. */
export const TRUSTED_PROXY_HOPS = FORWARDED_FOR_APPENDED[LOAD_BALANCING_SCHEME];

export type UrlMapMatch = { fullPathMatch: string } | { pathTemplateMatch: string } | { prefixMatch: string };

export interface PathRule {
  /**
   * Any of them routes the path to `fn`: `fullPathMatch` for a literal path, `pathTemplateMatch` for one with
   * `:param` segments, and for a wildcard row (`/app/*`) its prefix itself and everything under it.
   */
  matches: UrlMapMatch[];
  fn: string;
}

/** `:param` matches exactly one non-empty segment, which is what a URL-map path template `{param}` does. */
export function toUrlMapMatch(path: string): UrlMapMatch {
  const segments = path.split('/');
  if (!segments.some((s) => s.startsWith(':'))) return { fullPathMatch: path };
  return { pathTemplateMatch: segments.map((s) => (s.startsWith(':') ? `{${s.slice(1).replace(/[^A-Za-z0-9_]/g, '_')}}` : s)).join('/') };
}

/**
 * One rule per distinct path of the route table (the URL map routes on paths; the function answers 405
 * for a method it does not serve, as the local gateway does). A path served by two functions is refused.
 */
export function pathRules(routes: readonly RouteDef[]): PathRule[] {
  const byPath = new Map<string, string>();
  for (const r of routes) {
    const owner = byPath.get(r.path);
    if (owner && owner !== r.fn) throw new Error(`path ${r.path} is routed to both ${owner} and ${r.fn}`);
    byPath.set(r.path, r.fn);
  }
  return [...byPath.entries()].map(([path, fn]) => ({ matches: urlMapMatchesOf(path), fn }));
}

/**
 * The URL-map matches of a route path. A wildcard row `/app/*` (the web app's pages, docs/architecture.md
 * §13) is `/app` exactly (the function redirects it to `/app/`) and the prefix `/app/`: a prefix match, not
 * a `**` template, so that no other path that merely starts with `/app` (`/apple`) goes there.
 */
export function urlMapMatchesOf(path: string): UrlMapMatch[] {
  if (!isWildcardPath(path)) return [toUrlMapMatch(path)];
  const prefix = path.slice(0, -1);
  if (prefix.includes(':')) throw new Error(`wildcard path ${path}: a parameter before the wildcard has no URL-map form`);
  return [{ fullPathMatch: prefix.slice(0, -1) }, { prefixMatch: prefix }];
}

export interface Gateway {
  address: gcp.compute.GlobalAddress;
  urlMap: gcp.compute.URLMap;
  backends: Record<string, gcp.compute.BackendService>;
  certificate: gcp.compute.ManagedSslCertificate;
  publicUrl: pulumi.Output<string>;
}

export function createGateway(
  config: StackConfig,
  routes: readonly RouteDef[],
  functions: Record<string, DeployedFunction>,
  deps: pulumi.Resource[],
): Gateway {
  const project = config.project;
  const rules = pathRules(routes);
  const backends: Record<string, gcp.compute.BackendService> = {};
  for (const fnName of [...new Set(rules.map((r) => r.fn))]) {
    const deployed = functions[fnName];
    if (!deployed) throw new Error(`the route table names function ${fnName}, which the registry does not deploy`);
    const t = deployed.spec.trigger;
    if (t.type !== 'http' || !t.public) throw new Error(`function ${fnName} is routed but not public HTTP in the registry`);
    const neg = new gcp.compute.RegionNetworkEndpointGroup(`neg-${fnName}`, {
      project,
      name: `somnus-${fnName}-neg`,
      region: config.region,
      networkEndpointType: 'SERVERLESS',
      cloudFunction: { function: deployed.fn.name },
    });
    backends[fnName] = new gcp.compute.BackendService(`backend-${fnName}`, {
      project,
      name: `somnus-${fnName}`,
      protocol: 'HTTPS',
      loadBalancingScheme: LOAD_BALANCING_SCHEME,
      backends: [{ group: neg.id }],
      logConfig: { enable: true, sampleRate: 1 },
    });
  }

  // Other hosts (the load balancer's IP, a stale DNS name): an empty bucket that nobody can read, so the
  // answer is an error from Cloud Storage and no function runs for them.
  const emptyBucket = new gcp.storage.Bucket(
    'unrouted-bucket',
    {
      project,
      name: `${project}-somnus-unrouted`,
      location: config.region.toUpperCase(),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: true,
    },
    { dependsOn: deps },
  );
  const unrouted = new gcp.compute.BackendBucket('backend-unrouted', {
    project,
    name: 'somnus-unrouted',
    bucketName: emptyBucket.name,
    enableCdn: false,
  });

  const unroutedFn = backends[UNROUTED_FN];
  if (!unroutedFn) throw new Error(`${UNROUTED_FN}, which answers unknown paths, has no route of its own`);
  const urlMap = new gcp.compute.URLMap('url-map', {
    project,
    name: 'somnus-https',
    defaultService: unrouted.selfLink,
    hostRules: [{ hosts: [config.domain], pathMatcher: 'routes' }],
    pathMatchers: [
      {
        name: 'routes',
        // clients are told "no such endpoint" in JSON, with CORS headers, exactly as by `pnpm start`
        defaultService: unroutedFn.selfLink,
        routeRules: rules.map((r, i) => ({
          priority: i + 1,
          matchRules: r.matches,
          service: backends[r.fn]!.selfLink,
        })),
      },
    ],
  });

  const address = new gcp.compute.GlobalAddress('lb-address', { project, name: 'somnus-lb', addressType: 'EXTERNAL', ipVersion: 'IPV4' }, { dependsOn: deps });
  const certificate = new gcp.compute.ManagedSslCertificate('certificate', {
    project,
    name: `somnus-${config.domain.replace(/\./g, '-')}`.slice(0, 63),
    managed: { domains: [config.domain] },
  }, { deleteBeforeReplace: false });
  const sslPolicy = new gcp.compute.SSLPolicy('ssl-policy', { project, name: 'somnus-tls12', profile: 'MODERN', minTlsVersion: 'TLS_1_2' });
  const httpsProxy = new gcp.compute.TargetHttpsProxy('https-proxy', {
    project,
    name: 'somnus-https',
    urlMap: urlMap.selfLink,
    sslCertificates: [certificate.selfLink],
    sslPolicy: sslPolicy.selfLink,
  });
  new gcp.compute.GlobalForwardingRule('https-rule', {
    project,
    name: 'somnus-https',
    target: httpsProxy.selfLink,
    ipAddress: address.address,
    portRange: '443',
    ipProtocol: 'TCP',
    loadBalancingScheme: LOAD_BALANCING_SCHEME,
  });

  // Plain HTTP on the same address answers only with a redirect to HTTPS: a 308, which keeps the method and
  // body (after a 301 a client may retry a POST as a GET).
  const redirectMap = new gcp.compute.URLMap('http-redirect', {
    project,
    name: 'somnus-http-redirect',
    defaultUrlRedirect: { httpsRedirect: true, redirectResponseCode: 'PERMANENT_REDIRECT', stripQuery: false },
  });
  const httpProxy = new gcp.compute.TargetHttpProxy('http-proxy', { project, name: 'somnus-http', urlMap: redirectMap.selfLink });
  new gcp.compute.GlobalForwardingRule('http-rule', {
    project,
    name: 'somnus-http',
    target: httpProxy.selfLink,
    ipAddress: address.address,
    portRange: '80',
    ipProtocol: 'TCP',
    loadBalancingScheme: LOAD_BALANCING_SCHEME,
  });

  return { address, urlMap, backends, certificate, publicUrl: pulumi.output(`https://${config.domain}`) };
}
