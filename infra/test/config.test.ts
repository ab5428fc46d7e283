import * as pulumi from '@pulumi/pulumi';
import { FUNCTION_REGISTRY, ROUTES, checkRegistry, type FunctionSpec } from '@somnus/models';
import { loadConfig } from '../config';
import { sizingOf } from '../functions';
import { pathRules, toUrlMapMatch } from '../gateway';
import { installMocks, testConfig } from './support/harness';

installMocks();

const BASE = {
  'gcp:project': 'somnus-prod',
  'somnus:domain': 'api.somnus.example',
  'somnus:smtpUrl': 'smtps://u:p@smtp.example.com',
};

function withConfig(values: Record<string, string>) {
  pulumi.runtime.setAllConfig(values, ['somnus:smtpUrl']);
  return loadConfig();
}

describe('config.ts', () => {
  it('reads the stack config with production defaults and the SMTP URL as a secret', async () => {
    const c = withConfig(BASE);
    expect(c).toMatchObject({
      project: 'somnus-prod',
      region: 'us-central1',
      domain: 'api.somnus.example',
      db: { availabilityType: 'REGIONAL' },
      functions: { minInstances: 0, maxInstances: 10, concurrency: 40, overrides: {} },
      operatorsGroup: null,
    });
    expect(await pulumi.isSecret(c.smtpUrl)).toBe(true);
  });

  it('refuses any region but us-central1', () => {
    expect(() => withConfig({ ...BASE, 'gcp:region': 'europe-west1' })).toThrow(/us-central1/);
    expect(() => withConfig({ ...BASE, 'somnus:region': 'us-east1' })).toThrow(/us-central1/);
    expect(withConfig({ ...BASE, 'gcp:region': 'us-central1' }).region).toBe('us-central1');
  });

  it('requires the SMTP URL and the domain, and validates the rest', () => {
    const { 'somnus:smtpUrl': _smtp, ...noSmtp } = BASE;
    expect(() => withConfig(noSmtp)).toThrow(/smtpUrl/);
    expect(() => withConfig({ ...BASE, 'somnus:domain': 'https://x' })).toThrow(/domain/);
    expect(() => withConfig({ ...BASE, 'somnus:dbAvailabilityType': 'MULTI' })).toThrow(/REGIONAL or ZONAL/);
    expect(() => withConfig({ ...BASE, 'somnus:maxInstances': '0' })).toThrow(/maxInstances/);
    const c = withConfig({ ...BASE, 'somnus:dbAvailabilityType': 'ZONAL', 'somnus:functions': JSON.stringify({ auth: { minInstances: 2 } }) });
    expect(c.db.availabilityType).toBe('ZONAL');
    expect(c.functions.overrides).toEqual({ auth: { minInstances: 2 } });
  });

  it('reads the service settings the README documents, with the same defaults as pnpm start, and checks them', () => {
    expect(withConfig(BASE).service).toEqual({ orgSeatLimit: 0, corsOrigins: '', inviteTtlSeconds: 7 * 24 * 3600 });
    const c = withConfig({ ...BASE, 'somnus:orgSeatLimit': '25', 'somnus:corsOrigins': 'null, https://app.example.com', 'somnus:inviteTtlSeconds': '86400' });
    expect(c.service).toEqual({ orgSeatLimit: 25, corsOrigins: 'null,https://app.example.com', inviteTtlSeconds: 86400 });
    expect(() => withConfig({ ...BASE, 'somnus:corsOrigins': 'https://app.example.com/path' })).toThrow(/corsOrigins/);
    expect(() => withConfig({ ...BASE, 'somnus:orgSeatLimit': '-1' })).toThrow(/orgSeatLimit/);
  });
});

describe('function sizing', () => {
  const auth = FUNCTION_REGISTRY.find((s) => s.name === 'auth')!;
  it('gives auth at least 1 GiB in the registry and refuses to shrink it below', () => {
    expect(auth.memoryMiB).toBeGreaterThanOrEqual(1024);
    const c = testConfig();
    expect(() => sizingOf({ ...c, functions: { ...c.functions, overrides: { auth: { memoryMiB: 512 } } } }, auth)).toThrow(/1 GiB/);
  });
  it('refuses sizes Cloud Run cannot run', () => {
    const c = testConfig();
    const keys = FUNCTION_REGISTRY.find((s) => s.name === 'keys')!;
    const bad = (o: object) => () => sizingOf({ ...c, functions: { ...c.functions, overrides: { keys: o } } }, keys);
    expect(bad({ cpu: 0.5 })).toThrow(/CPU size/);
    expect(bad({ cpu: 0.583, concurrency: 10 })).toThrow(/needs cpu/);
    expect(bad({ minInstances: 5, maxInstances: 2 })).toThrow(/maxInstances/);
  });
});

describe('registry ↔ route table', () => {
  it('the production registry and route table agree', () => {
    expect(checkRegistry(FUNCTION_REGISTRY, ROUTES)).toEqual([]);
  });
  it('catches a routed function that is not public, and a public one without routes', () => {
    const priv: FunctionSpec[] = FUNCTION_REGISTRY.map((s) => (s.name === 'keys' ? { ...s, trigger: { type: 'http', public: false } } : s));
    expect(checkRegistry(priv, ROUTES)).toContain('function keys has routes but is not public HTTP');
    const extra: FunctionSpec[] = [...FUNCTION_REGISTRY, { ...FUNCTION_REGISTRY[0]!, name: 'reports', entryPoint: 'reports', source: 'functions/reports' }];
    expect(checkRegistry(extra, ROUTES)).toContain('public function reports has no routes');
  });
  it('turns route paths into URL-map matches, one per path', () => {
    expect(toUrlMapMatch('/v1/keys')).toEqual({ fullPathMatch: '/v1/keys' });
    expect(toUrlMapMatch('/v1/user/sessions/:sessionId')).toEqual({ pathTemplateMatch: '/v1/user/sessions/{sessionId}' });
    expect(() => pathRules([{ method: 'GET', path: '/x', fn: 'auth' }, { method: 'POST', path: '/x', fn: 'keys' }])).toThrow(/both/);
  });
});
