/**
 * The shapes of the GraphQL answers the SDK reads (docs/protocol.md §5), checked field by field before
 * anything else sees them: the server is not trusted (docs/architecture.md §2.2), so a missing or
 * mistyped field fails here as a SomnusResponseError naming the operation, never as an undefined deep in
 * a key unwrap or a file write. Only the fields the SDK uses are checked; extra ones are dropped.
 */
import { SomnusResponseError } from '../errors';
import type { GraphqlLabel } from './graphql';

export interface RemoteProject {
  id: string;
  name: string;
  rootDocumentId: string;
}

export interface RemoteBranch {
  name: string;
  created: string;
  modified: string;
  /** Snapshot ids, oldest first. */
  snapshots: string[];
}

export interface StateEntry {
  /** The document's `_id`. */
  key: string;
  /** The document's name (plaintext on the server, by protocol). */
  name: string;
  blob: string;
}

export interface RemoteSnapshot {
  id: string;
  parent: string;
  created: string;
  /** Account id of whoever pushed it. */
  author: string;
  authorAccount: { firstName: string | null; lastName: string | null; email: string | null } | null;
  /** The commit message. */
  name: string;
  description: string;
  state: StateEntry[];
}

export interface MemberKey {
  accountId: string;
  /** The member's public JWK as a JSON string. */
  publicKey: string;
  autoLinked: boolean;
}

/** `projectShareInstructions`: the caller's wrapped copy of the key and the team's members to wrap it for. */
export interface ShareInstructions {
  teamId: string;
  encSymmetricKey: string;
  memberKeys: Array<{ accountId: string; publicKey: string }>;
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(private readonly label: GraphqlLabel) {}

  fail(what: string): never {
    throw new SomnusResponseError(200, `/graphql?${this.label}`, `POST /graphql?${this.label}: malformed answer (${what})`);
  }

  obj(value: unknown, where: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`${where} is not an object`);
    return value as Obj;
  }

  arr(value: unknown, where: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${where} is not a list`);
    return value;
  }

  str(o: Obj, field: string, where: string): string {
    const v = o[field];
    if (typeof v !== 'string') this.fail(`${where}.${field} is not a string`);
    return v;
  }

  optStr(o: Obj, field: string, where: string): string | null {
    const v = o[field];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string') this.fail(`${where}.${field} is not a string`);
    return v;
  }

  /** The root field of `data`. */
  root(data: Obj, field: string): unknown {
    if (!(field in data)) this.fail(`no ${field}`);
    return data[field];
  }
}

function project(r: Reader, value: unknown, where: string): RemoteProject {
  const o = r.obj(value, where);
  return { id: r.str(o, 'id', where), name: r.str(o, 'name', where), rootDocumentId: r.str(o, 'rootDocumentId', where) };
}

function snapshot(r: Reader, value: unknown, where: string): RemoteSnapshot {
  const o = r.obj(value, where);
  const account = o['authorAccount'];
  let authorAccount: RemoteSnapshot['authorAccount'] = null;
  if (account !== null && account !== undefined) {
    const a = r.obj(account, `${where}.authorAccount`);
    authorAccount = { firstName: r.optStr(a, 'firstName', where), lastName: r.optStr(a, 'lastName', where), email: r.optStr(a, 'email', where) };
  }
  const state = r.arr(o['state'], `${where}.state`).map((e, i) => {
    const entry = r.obj(e, `${where}.state[${i}]`);
    return { key: r.str(entry, 'key', `${where}.state[${i}]`), name: r.str(entry, 'name', `${where}.state[${i}]`), blob: r.str(entry, 'blob', `${where}.state[${i}]`) };
  });
  return {
    id: r.str(o, 'id', where),
    parent: r.str(o, 'parent', where),
    created: r.str(o, 'created', where),
    author: r.str(o, 'author', where),
    authorAccount,
    name: r.str(o, 'name', where),
    description: r.optStr(o, 'description', where) ?? '',
    state,
  };
}

/** `project(id)`: the project, or null when the caller cannot see it. */
export function readProject(data: Obj, label: 'project' | 'createProject' = 'project'): RemoteProject | null {
  const r = new Reader(label);
  const value = r.root(data, label === 'project' ? 'project' : 'projectCreate');
  if (value === null && label === 'project') return null;
  return project(r, value, label);
}

/** `projects(teamId)`: the projects of the org that the caller holds a key for; `teams` is not read. */
export function readProjects(data: Obj): RemoteProject[] {
  const r = new Reader('projects');
  return r.arr(r.root(data, 'projects'), 'projects').map((p, i) => project(r, p, `projects[${i}]`));
}

/** `projectKey(projectId)`: the caller's RSA-wrapped copy, or null. */
export function readProjectKey(data: Obj): string | null {
  const r = new Reader('projectKey');
  const value = r.root(data, 'projectKey');
  if (value === null) return null;
  return r.str(r.obj(value, 'projectKey'), 'encSymmetricKey', 'projectKey');
}

export function readMemberKeys(data: Obj): MemberKey[] {
  const r = new Reader('teamMemberKeys');
  const list = r.arr(r.obj(r.root(data, 'teamMemberKeys'), 'teamMemberKeys')['memberKeys'], 'teamMemberKeys.memberKeys');
  return list.map((m, i) => {
    const o = r.obj(m, `memberKeys[${i}]`);
    return { accountId: r.str(o, 'accountId', `memberKeys[${i}]`), publicKey: r.str(o, 'publicKey', `memberKeys[${i}]`), autoLinked: o['autoLinked'] === true };
  });
}

/** `branch(project, name)`: the branch, or null when it does not exist. */
export function readBranch(data: Obj): RemoteBranch | null {
  const r = new Reader('branch');
  const value = r.root(data, 'branch');
  if (value === null) return null;
  const o = r.obj(value, 'branch');
  const snapshots = r.arr(o['snapshots'], 'branch.snapshots').map((s, i) => (typeof s === 'string' ? s : r.fail(`branch.snapshots[${i}] is not a string`)));
  return { name: r.str(o, 'name', 'branch'), created: r.str(o, 'created', 'branch'), modified: r.str(o, 'modified', 'branch'), snapshots };
}

/** `branches(project)`: their names; Insomnia tolerates null, so do we. */
export function readBranches(data: Obj): string[] {
  const r = new Reader('branches');
  const value = r.root(data, 'branches');
  if (value === null) return [];
  return r.arr(value, 'branches').map((b, i) => r.str(r.obj(b, `branches[${i}]`), 'name', `branches[${i}]`));
}

export function readSnapshots(data: Obj, label: 'snapshots' | 'snapshotsPush'): RemoteSnapshot[] {
  const r = new Reader(label);
  const list = r.arr(r.root(data, label === 'snapshots' ? 'snapshots' : 'snapshotsCreate'), label);
  return list.map((s, i) => snapshot(r, s, `${label}[${i}]`));
}

export function readBlobs(data: Obj): Array<{ id: string; content: string }> {
  const r = new Reader('blobs');
  return r.arr(r.root(data, 'blobs'), 'blobs').map((b, i) => {
    const o = r.obj(b, `blobs[${i}]`);
    return { id: r.str(o, 'id', `blobs[${i}]`), content: r.str(o, 'content', `blobs[${i}]`) };
  });
}

export function readMissing(data: Obj): string[] {
  const r = new Reader('missingBlobs');
  const list = r.arr(r.obj(r.root(data, 'blobsMissing'), 'blobsMissing')['missing'], 'blobsMissing.missing');
  return list.map((id, i) => (typeof id === 'string' ? id : r.fail(`blobsMissing.missing[${i}] is not a string`)));
}

export function readCount(data: Obj): number {
  const r = new Reader('blobsCreate');
  const count = r.obj(r.root(data, 'blobsCreate'), 'blobsCreate')['count'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return r.fail('blobsCreate.count is not a count');
  return count;
}

export function readShareInstructions(data: Obj): ShareInstructions {
  const r = new Reader('projectShareInstructions');
  const o = r.obj(r.root(data, 'projectShareInstructions'), 'projectShareInstructions');
  const list = r.arr(o['memberKeys'], 'projectShareInstructions.memberKeys');
  return {
    teamId: r.str(o, 'teamId', 'projectShareInstructions'),
    encSymmetricKey: r.str(r.obj(o['projectKey'], 'projectShareInstructions.projectKey'), 'encSymmetricKey', 'projectShareInstructions.projectKey'),
    memberKeys: list.map((m, i) => {
      const mo = r.obj(m, `memberKeys[${i}]`);
      return { accountId: r.str(mo, 'accountId', `memberKeys[${i}]`), publicKey: r.str(mo, 'publicKey', `memberKeys[${i}]`) };
    }),
  };
}

/** `projectShare` / `projectUnShare`: the id of the project that moved. */
export function readMovedProject(data: Obj, label: 'projectShare' | 'projectUnShare'): string {
  const r = new Reader(label);
  return r.str(r.obj(r.root(data, label), label), 'id', label);
}
