import fs from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildOpenApi, openApiJson, ROUTES } from '../src';

const FILE = path.resolve(__dirname, '..', '..', '..', 'docs', 'openapi.json');

describe('docs/openapi.json', () => {
  it('is what the route contracts generate today (run `pnpm openapi` after changing a route)', () => {
    expect(fs.readFileSync(FILE, 'utf8')).toBe(openApiJson());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(buildOpenApi());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('has one operation per route, with its access, body and success status', () => {
    const doc = buildOpenApi() as { paths: Record<string, Record<string, any>> };
    const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })));
    expect(ops.map((o) => o.key).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path.replace(/\/\*$/, '/{path}').replace(/:([A-Za-z]+)/g, '{$1}')}`).sort());
    const create = doc.paths['/v1/organizations/{orgId}/invites']!.post;
    expect(create['x-somnus-access']).toBe('create:invitation');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '404']));
    expect(create.requestBody.content['application/json'].schema.required).toContain('inviteeEmail');
    expect(doc.paths['/auth/login-s']!.post.security).toEqual([]);
    const members = doc.paths['/v1/organizations/{orgId}/members']!.get;
    expect(members.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:orgId', 'query:page', 'query:per_page', 'query:email']);
    // the web app's pages are described as pages, never as a JSON answer a program could expect
    const pages = doc.paths['/app/{path}']!.get;
    expect(Object.keys(pages.responses.default ?? {})).toEqual([]);
    expect(Object.keys(pages.responses['200'].content)).toEqual(['text/html', 'text/javascript', 'text/css']);
    expect(Object.keys(pages.responses)).toEqual(['200', '304', '308', '404', '503']);
  });
});

describe('a wildcard row (/app/*)', () => {
  it('matches its prefix and everything below it, as sent, and answers HEAD only for static rows', async () => {
    const { matchRoute } = await import('../src');
    const rows = [
      { method: 'GET' as const, path: '/app/*', fn: 'app', responseFormat: 'static' as const },
      { method: 'GET' as const, path: '/v1/keys', fn: 'keys' },
    ];
    for (const p of ['/app', '/app/', '/app/auth-app/', '/app/assets/index.js', '/app/%2e%2e/x', '/app/%zz']) {
      expect({ p, fn: (matchRoute('GET', p, rows) as { route?: { fn: string } }).route?.fn }).toEqual({ p, fn: 'app' });
    }
    for (const p of ['/apps', '/ap', '/', '/v1/app/x']) expect('route' in matchRoute('GET', p, rows)).toBe(false);
    expect('route' in matchRoute('HEAD', '/app/', rows)).toBe(true);
    expect(matchRoute('HEAD', '/v1/keys', rows)).toEqual({ methodMismatch: true });
    expect(matchRoute('POST', '/app/', rows)).toEqual({ methodMismatch: true });
  });
});

describe('fillPath', () => {
  it('percent-encodes values and refuses the ones URL parsing would turn into another path', async () => {
    const { fillPath } = await import('../src');
    expect(fillPath('/v1/organizations/:orgId/invites/:invitationId', { orgId: 'org_1', invitationId: 'a/b?c' })).toBe('/v1/organizations/org_1/invites/a%2Fb%3Fc');
    for (const bad of ['', '.', '..']) expect(() => fillPath('/v1/invites/:invitationId/accept', { invitationId: bad })).toThrow(TypeError);
    expect(() => fillPath('/v1/invites/:invitationId/accept', {})).toThrow(/missing/);
  });
});
