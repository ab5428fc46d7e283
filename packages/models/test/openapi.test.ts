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
    expect(ops.map((o) => o.key).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`).sort());
    const create = doc.paths['/v1/organizations/{orgId}/invites']!.post;
    expect(create['x-somnus-access']).toBe('create:invitation');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '404']));
    expect(create.requestBody.content['application/json'].schema.required).toContain('inviteeEmail');
    expect(doc.paths['/auth/login-s']!.post.security).toEqual([]);
    const members = doc.paths['/v1/organizations/{orgId}/members']!.get;
    expect(members.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:orgId', 'query:page', 'query:per_page', 'query:email']);
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
