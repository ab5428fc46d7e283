import { FUNCTION_REGISTRY, ROUTES } from '@somnus/models';
import { forwardedClientIp } from '../../packages/runtime/src/client-info';
import { FORWARDED_FOR_APPENDED, type LoadBalancingScheme } from '../gateway';
import { runStack, T, type StackRun } from './support/harness';

/**
 * The client IP behind the load balancer (docs/architecture.md §6): rate limits and the session list key on
 * it, so reading the wrong entry of X-Forwarded-For either puts every client in one bucket (the load
 * balancer's own address) or lets each client pick its bucket (an entry it sent itself).
 *
 * How Google's load balancers write the header (cloud.google.com/load-balancing/docs/https, "X-Forwarded-For
 * header"): a global external Application Load Balancer, like the classic one, appends
 * `<client-ip>,<load-balancer-ip>` after any value the client sent. A serverless NEG hands the request to
 * Cloud Run (where 2nd-gen functions run), which adds nothing after it. So the client is the second entry
 * from the right, and SOMNUS_TRUSTED_PROXY_HOPS must say 2 for each function behind that load balancer.
 */

let run: StackRun;
beforeAll(async () => {
  run = await runStack(FUNCTION_REGISTRY, ROUTES);
});

const publicFunctions = FUNCTION_REGISTRY.filter((f) => f.trigger.type === 'http' && f.trigger.public).map((f) => f.name);

/** The load balancer's one scheme, read from what the stack deploys (forwarding rules and backends). */
function deployedScheme(): LoadBalancingScheme {
  const schemes = new Set([...run.ofType(T.forwardingRule), ...run.ofType(T.backend)].map((r) => r.inputs.loadBalancingScheme as string));
  expect([...schemes]).toHaveLength(1);
  const [scheme] = [...schemes];
  // a scheme whose X-Forwarded-For format nobody wrote down here fails: look it up and add it to FORWARDED_FOR_APPENDED
  expect(Object.keys(FORWARDED_FOR_APPENDED)).toContain(scheme);
  return scheme as LoadBalancingScheme;
}

/** The header as the load balancer forwards it: what the client sent, then the client and itself. */
const viaLoadBalancer = (sent: string | null, client: string, lb: string) => [sent, client, lb].filter((v) => v !== null).join(',');

describe('the client IP behind the load balancer', () => {
  it('is a global external Application Load Balancer in front of serverless NEGs only, nothing else in the chain', () => {
    expect(deployedScheme()).toBe('EXTERNAL_MANAGED');
    const https = run.ofType(T.forwardingRule).filter((r) => r.inputs.portRange === '443');
    expect(https).toHaveLength(1);
    expect(String(https[0]!.inputs.target)).toContain('https-proxy');
    const negIds = new Set(run.ofType(T.neg).map((n) => n.id));
    for (const b of run.ofType(T.backend)) {
      // each backend a serverless NEG, and nothing that would add to or rewrite X-Forwarded-For on the way
      expect({ backend: b.name, groups: b.inputs.backends.map((x: { group: string }) => negIds.has(x.group)) }).toEqual({
        backend: b.name,
        groups: b.inputs.backends.map(() => true),
      });
      expect({ backend: b.name, cdn: b.inputs.enableCdn ?? false, headers: b.inputs.customRequestHeaders ?? [] }).toEqual({ backend: b.name, cdn: false, headers: [] });
    }
    for (const neg of run.ofType(T.neg)) expect(neg.inputs.networkEndpointType).toBe('SERVERLESS');
  });

  it('every function behind it reads the entry that load balancer appends for the client', () => {
    const hops = String(FORWARDED_FOR_APPENDED[deployedScheme()]);
    expect(hops).toBe('2');
    expect(publicFunctions.length).toBeGreaterThan(0);
    for (const name of publicFunctions) {
      const fn = run.ofType(T.fn).find((f) => f.inputs.name === name)!;
      expect({ fn: name, ingress: fn.inputs.serviceConfig.ingressSettings }).toEqual({ fn: name, ingress: 'ALLOW_INTERNAL_AND_GCLB' });
      expect({ fn: name, hops: fn.inputs.serviceConfig.environmentVariables.SOMNUS_TRUSTED_PROXY_HOPS }).toEqual({ fn: name, hops });
    }
  });

  it('so two clients are two buckets, the load balancer none, and a forged header moves nobody', () => {
    const lb = run.one('gcp:compute/globalAddress:GlobalAddress', 'lb-address').state.address as string;
    const deployed = Number(run.ofType(T.fn).find((f) => f.inputs.name === publicFunctions[0])!.inputs.serviceConfig.environmentVariables.SOMNUS_TRUSTED_PROXY_HOPS);
    const cases: Array<{ sent: string | null; client: string }> = [
      { sent: null, client: '198.51.100.7' },
      { sent: null, client: '2001:db8::7' },
      { sent: '198.51.100.99', client: '198.51.100.8' }, // a client claiming another's address
      { sent: `1.2.3.4, ${lb}, 5.6.7.8`, client: '198.51.100.9' }, // a forged chain, the load balancer's own address in it
      { sent: 'garbage;; , ,', client: '198.51.100.10' },
    ];
    const readAs = (hops: number) => cases.map((c) => forwardedClientIp(viaLoadBalancer(c.sent, c.client, lb), hops));
    expect(readAs(deployed)).toEqual(cases.map((c) => c.client));
    // the values around it are wrong in both directions: one is the load balancer for everyone (one bucket),
    // three is whatever the client sent
    expect(new Set(readAs(deployed - 1))).toEqual(new Set([lb]));
    expect(readAs(deployed + 1)).not.toEqual(cases.map((c) => c.client));
    expect(readAs(deployed + 1)[2]).toBe('198.51.100.99');
  });
});
