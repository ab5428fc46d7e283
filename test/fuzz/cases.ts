import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { ROUTES, type Route } from '@somnus/models';
import { CURRENT_QUERIES, LEGACY_2022_QUERIES, type VcsQuery } from '../e2e/fixtures/insomnia-vcs-queries';

/**
 * Hostile requests for every route of the route table (docs/architecture.md §3, §7), as small descriptors
 * that fast-check generates and shrinks, and that `materialize` turns into bytes on the wire once the
 * fixture's ids are known. A descriptor names a route by its index in ROUTES and each mutation by kind
 * and position, so one printed descriptor and the seed are enough to replay a case.
 */

export type Credential =
  | 'none'
  | 'garbage'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'conflicting'
  | 'outsider'
  | 'member'
  | 'owner'
  | 'owner-bearer';

/** The credentials of a live session; every other kind is "without credentials". */
export const AUTHENTICATED: ReadonlySet<Credential> = new Set<Credential>(['outsider', 'member', 'owner', 'owner-bearer']);

/** What a case needs from the running stack: real ids and live or dead session tokens. */
export interface Fixture {
  orgId: string;
  /** an organization the fuzzing users are not members of */
  foreignOrgId: string;
  teamProjectId: string;
  /** a VCS project (`prj_…`) in the org, with a blob, a snapshot and a master branch */
  projectId: string;
  blobId: string;
  invitationId: string;
  ownerId: string;
  memberId: string;
  tokens: Record<'owner' | 'member' | 'outsider' | 'expired' | 'revoked', string>;
}

export type PathCase =
  | { kind: 'real' }
  | { kind: 'foreign' }
  | { kind: 'hostile-param'; at: number; value: number }
  | { kind: 'mangled'; how: number };

export type BodyCase =
  | { kind: 'none' }
  | { kind: 'base' }
  | { kind: 'wrong-type'; at: number; value: number }
  | { kind: 'missing'; at: number }
  | { kind: 'extra'; at: number; key: number; value: number }
  | { kind: 'number'; at: number; value: number }
  | { kind: 'string'; at: number; value: number }
  | { kind: 'hex'; at: number; value: number }
  | { kind: 'deep'; at: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'wide'; at: number; width: number; shape: 'array' | 'object' }
  | { kind: 'raw'; value: number }
  | { kind: 'graphql-text'; value: number }
  | { kind: 'oversized'; size: 'cap+1' | 'sync-cap+1'; how: 'declared' | 'sent' | 'chunked' };

export interface Transport {
  contentType: number;
  encoding: 'none' | 'gzip' | 'deflate' | 'br' | 'gzip-garbage';
  chunked: boolean;
}

export interface FuzzCase {
  route: number;
  /** null: the route's own method */
  method: string | null;
  path: PathCase;
  query: Array<[number, number]> | null;
  credential: Credential;
  /** picks among variants that are not a mutation: which garbage credential, which client's GraphQL document */
  variant: number;
  body: BodyCase;
  transport: Transport;
}

// ---------------------------------------------------------------------------------------------------------
// the hostile values, by kind; descriptors index into these lists (modulo their length)

/** Path segments, as sent on the wire (percent-encoding kept). */
const HOSTILE_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '..%2F..%2Fauth%2Fwhoami',
  '%2E%2E%2F%2E%2E%2Fv1%2Fkeys',
  '..%5C..%5Cv1%5Ckeys',
  '../../v1/keys',
  '%2F',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%E2%80%AE',
  '%C0%AE%C0%AE',
  '%',
  '%zz',
  'x'.repeat(257),
  'x'.repeat(4000),
  "'%20OR%20'1'%3D'1",
  'org_' + '0'.repeat(32),
  'ORG_' + 'F'.repeat(32),
  'acct_' + 'f'.repeat(32),
  'prj_..',
  '-1',
  '0',
  '1e309',
  'null',
  '__proto__',
  'constructor',
  '%7B%7D',
  '*',
  '..;',
  '%F0%9F%98%80',
];

/** Ways to bend a path that has no parameter, or to bend any path. */
const MANGLES: Array<(path: string) => string> = [
  (p) => `${p}/`,
  (p) => p.replace(/^\//, '//'),
  (p) => p.toUpperCase(),
  (p) => `${p}/.`,
  (p) => `${p}/..`,
  (p) => `${p}/../../v1/keys`,
  (p) => p.replace(/\//g, '%2F'),
  (p) => `${p};x=1`,
  (p) => `${p}%00`,
  (p) => `${p}/${'x'.repeat(300)}`,
  (p) => p.replace(/\/[^/]*$/, '/%2e%2e'),
  (p) => `/./${p.slice(1)}`,
];

const QUERY_KEYS = ['page', 'per_page', 'email', 'state', 'scope', 'code', 'limit', '__proto__[x]', 'page[]', 'constructor', 'x', 'token'];
const QUERY_VALUES = ['-1', '0', '1e309', '99999999999999999999', 'abc', '%00', '%ED%A0%80', '', 'x'.repeat(5000), '1&page=2', '%26', 'null', 'true', '[]', '%7B%7D', '1.5'];

/** JSON values of another type than the field's. */
const WRONG_TYPES = ['0', '-1', 'true', 'false', 'null', '[]', '{}', '[1,2]', '{"a":1}', '""', '"x"', '1.5', '[null]', '[[]]'];

/** Numbers JSON can carry and schemas must bound. */
const NUMBERS = [
  '1e309',
  '-1e309',
  '-1',
  '-0',
  '0',
  '9007199254740993',
  '1.7976931348623157e308',
  '-2147483649',
  '4294967296',
  '0.0000001',
  '1e-400',
  '123456789012345678901234567890',
  '2147483648',
];

/** Strings a database, a log line or Unicode cannot take, or that read as something else. JSON text. */
const STRINGS = [
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"\\udc00x"',
  '"\\ud800\\ud800"',
  `"${'a'.repeat(10000)}"`,
  '"\\u202e"',
  '"\\ud835\\udd4f"',
  '" "',
  '""',
  '"\\\\..\\\\.."',
  '"../../etc/passwd"',
  '"<script>alert(1)</script>"',
  '"\' OR 1=1 --"',
  '"%00"',
  '"${jndi:ldap://x}"',
  '"\\n\\r\\t"',
  '"\\uffff\\ufffe"',
  '"a@b"',
  '"@example.com"',
];

/** Hex-shaped strings of the wrong length, case or alphabet. JSON text. */
const HEXES = [
  '"abc"',
  `"${'a'.repeat(511)}"`,
  `"${'a'.repeat(513)}"`,
  `"${'A'.repeat(512)}"`,
  `"${'f'.repeat(60000)}"`,
  `"0x${'a'.repeat(510)}"`,
  `"${'g'.repeat(512)}"`,
  `" ${'a'.repeat(510)} "`,
  `"${'0'.repeat(63)}"`,
  `"${'0'.repeat(65)}"`,
  `"${'e'.repeat(40)}"`,
  `"${'e'.repeat(41)}"`,
];

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'x', 'isAdmin', 'role', 'orgId', 'accountId', '$where', '', 'id', 'ownerId'];
const EXTRA_VALUES = ['true', '"owner"', '{"polluted":true}', '{"__proto__":{"x":1}}', 'null', '"role_owner"', '1'];

/** Whole bodies that are not what any route wants. Raw bytes. */
const RAW_BODIES: Buffer[] = [
  '{',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '[]',
  'null',
  '"x"',
  '1',
  'true',
  '',
  ' ',
  '\u0000',
  '{"a":1,"a":2}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '\ufeff{}',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":0x10}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":1}{"b":2}',
  '<xml/>',
  'a=b&c=d',
].map((s) => Buffer.from(s, 'utf8')).concat([
  Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), // UTF-16 with a BOM
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // invalid UTF-8 inside a string
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // a surrogate encoded as UTF-8
]);

/** GraphQL documents that push the parser, the validator and the limits. */
const GRAPHQL_TEXTS: Array<() => string> = [
  () => `query { ${'projects { teams { '.repeat(50)}id${' } }'.repeat(50)} }`,
  () => `query ${'{ a '.repeat(5000)}${'}'.repeat(5000)}`,
  () => `query { ${Array.from({ length: 500 }, (_, i) => `a${i}: teams { id }`).join(' ')} }`,
  () => 'fragment A on Query { ...B } fragment B on Query { ...A } query { ...A }',
  () => `query { teams { id } } ${'query Q { teams { id } } '.repeat(50)}`,
  () => `query { project(id: "${'x'.repeat(50000)}") { id } }`,
  () => 'query { project(id: "\\u0000") { id } }',
  () => 'query { project(id: "\\ud800") { id } }',
  () => 'query { __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }',
  () => 'mutation { projectArchive(id: "prj_nope") }',
  () => 'subscription { teams { id } }',
  () => '{ teams { id',
  () => 'query ($a: ID!) { project(id: $a) { id } }',
  () => `query { teams ${'@include(if: true) '.repeat(1000)}{ id } }`,
  () => `query { ${'__typename '.repeat(3000)} }`,
  () => `{ teams(${Array.from({ length: 200 }, (_, i) => `a${i}: 1`).join(', ')}) { id } }`,
];

const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/JSON',
  'application/cloudevents+json',
  'application/merge-patch+json',
  'application/octet-stream',
];

const GARBAGE_CREDENTIALS: Array<Record<string, string>> = [
  { 'X-Session-Id': 'x' },
  { 'X-Session-Id': ' ' },
  { Authorization: 'Bearer' },
  { Authorization: 'Basic Zm9vOmJhcg==' },
  { 'X-Session-Id': 'A'.repeat(64) },
  { 'X-Session-Id': 'g'.repeat(64) },
  { 'X-Session-Id': '0'.repeat(8000) },
  { 'X-Session-Id': "'; DROP TABLE sessions; --" },
  { 'X-Session-Id': `${'a'.repeat(63)}%00` },
  { Authorization: `Bearer ${'f'.repeat(65)}` },
  { Cookie: `session=${'f'.repeat(64)}` },
];

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'];

// ---------------------------------------------------------------------------------------------------------
// the arbitrary

const index = (n = 1 << 16) => fc.nat({ max: n });

const bodyCase: fc.Arbitrary<BodyCase> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'base' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('wrong-type' as const), at: index(), value: index() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('missing' as const), at: index() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('extra' as const), at: index(), key: index(), value: index() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('number' as const), at: index(), value: index() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('string' as const), at: index(), value: index() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('hex' as const), at: index(), value: index() }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('deep' as const), at: index(), depth: fc.constantFrom(100, 1000, 10000, 30000), shape: fc.constantFrom('array' as const, 'object' as const) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('wide' as const), at: index(), width: fc.constantFrom(1000, 5000, 20000), shape: fc.constantFrom('array' as const, 'object' as const) }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('raw' as const), value: index() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('graphql-text' as const), value: index() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('oversized' as const),
      size: fc.constantFrom('cap+1' as const, 'sync-cap+1' as const),
      how: fc.constantFrom('declared' as const, 'sent' as const, 'chunked' as const),
    }),
    weight: 1,
  },
);

const transport: fc.Arbitrary<Transport> = fc.oneof(
  { arbitrary: fc.constant<Transport>({ contentType: 0, encoding: 'none', chunked: false }), weight: 12 },
  { arbitrary: fc.record({ contentType: index(), encoding: fc.constant('none' as const), chunked: fc.boolean() }), weight: 2 },
  {
    arbitrary: fc.record({ contentType: fc.constant(0), encoding: fc.constantFrom('gzip' as const, 'deflate' as const, 'br' as const, 'gzip-garbage' as const), chunked: fc.boolean() }),
    weight: 1,
  },
);

const pathCase: fc.Arbitrary<PathCase> = fc.oneof(
  { arbitrary: fc.constant<PathCase>({ kind: 'real' }), weight: 10 },
  { arbitrary: fc.constant<PathCase>({ kind: 'foreign' }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('hostile-param' as const), at: index(), value: index() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('mangled' as const), how: index() }), weight: 1 },
);

const credential: fc.Arbitrary<Credential> = fc.oneof(
  { arbitrary: fc.constant<Credential>('owner'), weight: 8 },
  { arbitrary: fc.constantFrom<Credential>('none', 'garbage', 'unknown', 'expired', 'revoked', 'conflicting'), weight: 6 },
  { arbitrary: fc.constantFrom<Credential>('outsider', 'member', 'owner-bearer'), weight: 3 },
);

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  route: fc.nat({ max: ROUTES.length - 1 }),
  method: fc.oneof({ arbitrary: fc.constant(null), weight: 12 }, { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 }),
  path: pathCase,
  query: fc.option(fc.array(fc.tuple(index(), index()), { minLength: 1, maxLength: 3 }), { freq: 6 }),
  credential,
  variant: index(),
  body: bodyCase,
  transport,
});

// ---------------------------------------------------------------------------------------------------------
// from a descriptor to bytes

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked?: { total: number };
  /** the route the case was made for */
  route: Route;
}

/** The value a path parameter has in the fixture, by its name. */
function realParam(name: string, fx: Fixture, foreign: boolean): string {
  switch (name) {
    case 'orgId':
      return foreign ? fx.foreignOrgId : fx.orgId;
    case 'projectId':
      return fx.teamProjectId;
    case 'accountId':
      return fx.memberId;
    case 'invitationId':
      return fx.invitationId;
    default:
      return `placeholder-${name}`;
  }
}

/**
 * A wildcard row (`/app/*`, the web app's pages) has no parameter to fill: a real case asks for a page or an
 * asset, a hostile one puts a hostile segment (`..`, `%2e%2e`, `%00`…) where a page name goes.
 */
const WILDCARD_PATHS = ['/app/', '/app/assets/index.js', '/app', '/app/assets/style.css', '/app/nope/'];

function pathOf(route: Route, c: FuzzCase, fx: Fixture): string {
  if (route.path.endsWith('/*')) {
    const prefix = route.path.slice(0, -1);
    if (c.path.kind === 'hostile-param') return `${prefix}${pick(HOSTILE_SEGMENTS, c.path.value)}/`;
    if (c.path.kind === 'mangled') return pick(MANGLES, c.path.how)(prefix);
    return c.path.kind === 'foreign' ? WILDCARD_PATHS[1]! : WILDCARD_PATHS[0]!;
  }
  let i = 0;
  const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].length;
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const at = i++;
    if (c.path.kind === 'hostile-param' && params > 0 && c.path.at % params === at) return pick(HOSTILE_SEGMENTS, c.path.value);
    return encodeURIComponent(realParam(name, fx, c.path.kind === 'foreign'));
  });
  if (c.path.kind === 'mangled' || (c.path.kind === 'hostile-param' && params === 0)) return pick(MANGLES, c.path.kind === 'mangled' ? c.path.how : c.path.value)(path);
  return path;
}

function queryOf(c: FuzzCase): string {
  if (!c.query) return '';
  return `?${c.query.map(([k, v]) => `${pick(QUERY_KEYS, k)}=${pick(QUERY_VALUES, v)}`).join('&')}`;
}

function credentialHeaders(c: FuzzCase, fx: Fixture): Record<string, string> {
  switch (c.credential) {
    case 'none':
      return {};
    case 'garbage':
      return pick(GARBAGE_CREDENTIALS, c.variant);
    case 'unknown':
      return { 'X-Session-Id': (c.variant.toString(16).padStart(8, '0') + 'a'.repeat(56)).slice(0, 64) };
    case 'expired':
      return { 'X-Session-Id': fx.tokens.expired };
    case 'revoked':
      return { 'X-Session-Id': fx.tokens.revoked };
    case 'conflicting':
      // X-Session-Id wins over Authorization (docs/protocol.md §1): a dead one must not be rescued by a live bearer
      return { 'X-Session-Id': fx.tokens.revoked, Authorization: `Bearer ${fx.tokens.owner}` };
    case 'outsider':
      return { 'X-Session-Id': fx.tokens.outsider };
    case 'member':
      return { 'X-Session-Id': fx.tokens.member };
    case 'owner':
      return { 'X-Session-Id': fx.tokens.owner };
    case 'owner-bearer':
      return { Authorization: `Bearer ${fx.tokens.owner}` };
  }
}

/** A string no schema, client or JSON text contains: stands for raw JSON text until serialised. */
const RAW_MARK = '\u0001raw\u0001';

function withRaw(value: unknown, raws: string[]): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0001raw\\u0001(\d+)"/g, (_, n: string) => raws[Number(n)]!);
}

/** Every place in a JSON value a mutation can aim at: paths to each value, the root included. */
function placesOf(value: unknown, path: Place = [], out: Place[] = []): Place[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => placesOf(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) placesOf(v, [...path, k], out);
  return out;
}

type Place = Array<string | number>;

/** The value at a place, or undefined. */
function valueAt(root: unknown, path: Place): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), root);
}

function setAt(root: unknown, path: Place, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy: unknown[] = [...root];
    copy[Number(head)] = setAt(copy[Number(head)], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
  copy[String(head)] = setAt(copy[String(head)], rest, value);
  return copy;
}

function deleteAt(root: unknown, path: Place): unknown {
  if (path.length === 0) return undefined;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy: unknown[] = [...root];
    if (rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = deleteAt(copy[Number(head)], rest);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
  if (rest.length === 0) delete copy[String(head)];
  else copy[String(head)] = deleteAt(copy[String(head)], rest);
  return copy;
}

function nested(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function wide(width: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? `[${Array(width).fill('0').join(',')}]` : `{${Array.from({ length: width }, (_, i) => `"k${i}":0`).join(',')}}`;
}

/** A body as a client of the route would send it: the contract's example, or one shaped by its schema. */
export function baseBody(route: Route, fx: Fixture, variant: number): unknown {
  if ('errorFormat' in route && route.errorFormat === 'graphql') return graphqlBase(fx, variant);
  if (!('body' in route)) return {};
  const example = (route.body.meta() as { examples?: unknown[] } | undefined)?.examples?.[0];
  return example ?? skeletonOf(route.body.toJSONSchema({ io: 'input', unrepresentable: 'any' }) as JsonSchema);
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; enum?: unknown[]; const?: unknown; minLength?: number; pattern?: string; format?: string };

/** A value of the schema's shape with placeholder leaves: enough for mutations to aim at real fields. */
function skeletonOf(schema: JsonSchema, depth = 0): unknown {
  if (depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return skeletonOf(schema.anyOf[0]!, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, skeletonOf(v, depth + 1)]));
    case 'array':
      return schema.items ? [skeletonOf(schema.items, depth + 1)] : [];
    case 'string':
      return schema.format === 'email' ? 'fuzz@example.com' : 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** Real query texts of Insomnia clients with variables naming the fixture's objects. */
function graphqlBase(fx: Fixture, variant: number): unknown {
  const all: VcsQuery[] = [...Object.values(CURRENT_QUERIES), ...Object.values(LEGACY_2022_QUERIES)];
  const q = pick(all, variant);
  const value = (name: string): unknown => {
    switch (name) {
      case 'teamId':
        return fx.orgId;
      case 'teamProjectId':
        return fx.teamProjectId;
      case 'projectId':
      case 'project':
      case 'id':
        return fx.projectId;
      case 'ids':
        return [fx.blobId];
      case 'branch':
      case 'branchName':
        return 'master';
      case 'name':
        return 'fuzz';
      case 'rootDocumentId':
        return 'wrk_fuzz';
      case 'blobs':
        return [{ id: 'f'.repeat(40), content: '{}' }];
      case 'snapshots':
        return [{ id: 'e'.repeat(40), parent: '0'.repeat(40), created: '2024-01-01T00:00:00.000Z', name: 'n', description: '', author: fx.ownerId, state: [] }];
      case 'teamKeys':
      case 'keys':
        return [{ accountId: fx.ownerId, encSymmetricKey: 'a'.repeat(512) }];
      default:
        return 'x';
    }
  };
  return { query: q.query, variables: Object.fromEntries(q.variables.map((v) => [v, value(v)])) };
}

const SYNC_CAP = 8 * 1024 * 1024;
const DEFAULT_CAP = 64 * 1024;

function bodyText(route: Route, c: FuzzCase, fx: Fixture): Buffer | null {
  const b = c.body;
  if (b.kind === 'none') return null;
  if (b.kind === 'raw') return pick(RAW_BODIES, b.value);
  if (b.kind === 'oversized') {
    const cap = b.size === 'sync-cap+1' ? SYNC_CAP : (('bodyLimit' in route ? route.bodyLimit : undefined) ?? DEFAULT_CAP);
    const size = cap + 1;
    // valid JSON all the way, so only its size can be what is refused
    const body = Buffer.alloc(size, 0x20);
    body.write('{"pad":"', 0);
    body.write('"}', size - 2);
    return body;
  }
  const base = baseBody(route, fx, c.variant);
  if (b.kind === 'base') return Buffer.from(JSON.stringify(base));
  if (b.kind === 'graphql-text') return Buffer.from(JSON.stringify({ query: pick(GRAPHQL_TEXTS, b.value)(), variables: {} }));
  const places = placesOf(base);
  const at = pick(places, b.at);
  const raws: string[] = [];
  const raw = (text: string) => `${RAW_MARK}${raws.push(text) - 1}`;
  let mutated: unknown;
  switch (b.kind) {
    case 'wrong-type':
      mutated = setAt(base, at, raw(pick(WRONG_TYPES, b.value)));
      break;
    case 'missing':
      mutated = deleteAt(base, at);
      break;
    case 'extra': {
      const objects = places.filter((p) => {
        const v = valueAt(base, p);
        return v !== null && typeof v === 'object' && !Array.isArray(v);
      });
      const target = objects.length ? pick(objects, b.at) : [];
      const current = valueAt(base, target) ?? {};
      // the key is written into the text itself: JSON.stringify would drop a __proto__ set on an object
      mutated = setAt(base, target, raw(`{${JSON.stringify(pick(EXTRA_KEYS, b.key))}:${pick(EXTRA_VALUES, b.value)}${Object.keys(current).length ? ',' : ''}${JSON.stringify(current).slice(1)}`));
      break;
    }
    case 'number':
      mutated = setAt(base, at, raw(pick(NUMBERS, b.value)));
      break;
    case 'string':
      mutated = setAt(base, at, raw(pick(STRINGS, b.value)));
      break;
    case 'hex':
      mutated = setAt(base, at, raw(pick(HEXES, b.value)));
      break;
    case 'deep':
      mutated = setAt(base, at, raw(nested(b.depth, b.shape)));
      break;
    case 'wide':
      mutated = setAt(base, at, raw(wide(b.width, b.shape)));
      break;
  }
  return Buffer.from(withRaw(mutated, raws), 'utf8');
}

/** The bytes of a case, given the fixture. */
export function materialize(c: FuzzCase, fx: Fixture): WireRequest {
  const route = ROUTES[c.route % ROUTES.length]!;
  const method = c.method ?? route.method;
  const headers: Record<string, string> = { ...credentialHeaders(c, fx) };
  const request: WireRequest = { method, path: pathOf(route, c, fx) + queryOf(c), headers, route };
  let body = bodyText(route, c, fx);
  const contentType = pick(CONTENT_TYPES, c.transport.contentType);
  if (body === null) return request;
  if (contentType) headers['Content-Type'] = contentType;
  if (c.body.kind === 'oversized' && c.body.how === 'declared') {
    // the size is announced, the body never follows: the server must answer without waiting for it
    headers['Content-Length'] = String(body.length);
    return request;
  }
  switch (c.transport.encoding) {
    case 'gzip':
      body = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
      break;
    case 'deflate':
      body = deflateSync(body);
      headers['Content-Encoding'] = 'deflate';
      break;
    case 'br':
      body = brotliCompressSync(body);
      headers['Content-Encoding'] = 'br';
      break;
    case 'gzip-garbage':
      headers['Content-Encoding'] = 'gzip';
      break;
    case 'none':
      break;
  }
  if (c.transport.chunked || (c.body.kind === 'oversized' && c.body.how === 'chunked')) {
    headers['Transfer-Encoding'] = 'chunked';
    request.body = body.length ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : Buffer.from('0\r\n\r\n');
  } else {
    headers['Content-Length'] = String(body.length);
    request.body = body;
  }
  return request;
}

/** One line that says what a case sent, for a failure report (no tokens: they are the fixture's). */
export function describeCase(c: FuzzCase, wire: WireRequest): string {
  const body = wire.body ? ` body ${wire.body.length} B ${c.body.kind}` : c.body.kind === 'oversized' ? ` body declared ${wire.headers['Content-Length']} B` : '';
  const pathShown = wire.path.length > 160 ? `${wire.path.slice(0, 160)}…` : wire.path;
  return `${wire.method} ${pathShown} [${wire.route.method} ${wire.route.path}] as ${c.credential}${body} (${JSON.stringify(c.transport)})`;
}
