import { signupAndLogin, startTenantHarness, type Harness, type User } from '../../../test/security/tenant-fixtures';

/**
 * A string literal inside the GraphQL document is decoded by the GraphQL parser, after the router checked
 * the JSON body: `"\u0000"` there reached the database and failed as an internal error (found by
 * test/security/fuzz.test.ts). Arguments get the body's rule: a NUL is the client's error in every root
 * field; a lone surrogate escape does not even parse.
 */

let h: Harness;
let jane: User;
beforeAll(async () => {
  h = await startTenantHarness();
  jane = await signupAndLogin(h, 'jane');
});
afterAll(async () => h?.stop());

const codesOf = (body: { errors?: Array<{ extensions?: { code?: string } }> }) => body.errors?.map((e) => e.extensions?.code ?? 'syntax');
const documents = (literal: string) => [
  `query { project(id: "${literal}") { id } }`,
  `query { branches(project: "prj_${literal}") { name } }`,
  `mutation { projectArchive(id: "${literal}") }`,
];

it('a NUL in a literal argument is a VALIDATION_ERROR, not an internal error', async () => {
  for (const query of documents('\\u0000')) {
    const r = await h.sync.call('POST', '/graphql?literal', { query, variables: {} }, jane.headers);
    expect({ query, status: r.status, codes: codesOf(r.body) }).toEqual({ query, status: 200, codes: ['VALIDATION_ERROR'] });
  }
});

it('a lone surrogate in a literal is refused by the parser, before any field runs', async () => {
  for (const query of documents('\\ud800')) {
    const r = await h.sync.call('POST', '/graphql?literal', { query, variables: {} }, jane.headers);
    expect({ query, status: r.status, codes: codesOf(r.body), data: r.body.data }).toEqual({ query, status: 200, codes: ['syntax'], data: undefined });
  }
});
