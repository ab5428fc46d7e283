/**
 * The sync operations of docs/protocol.md §5 (and the sharing trio of §7.2) as typed calls: each sends
 * its label's exact document (./queries, ./share-queries), checks the answer's shape (./answers) and,
 * for the list reads, walks the ids in the chunk sizes Insomnia uses (./batches). No crypto and no
 * decisions here: the push, pull and share flows decide what to ask for.
 */
import { memberEmails } from '../trust/guard';
import { SomnusResponseError, SyncConflictError, SyncGraphqlError } from '../errors';
import type { HttpClient } from '../http';
import {
  readBlobs,
  readBranch,
  readBranches,
  readCount,
  readMemberKeys,
  readMissing,
  readMovedProject,
  readProject,
  readProjectKey,
  readProjects,
  readShareInstructions,
  readSnapshots,
  type MemberKey,
  type RemoteBranch,
  type RemoteProject,
  type RemoteSnapshot,
  type ShareInstructions,
} from './answers';
import { BLOBS_PER_READ, chunks, IDS_PER_CALL, SNAPSHOTS_PER_CALL } from './batches';
import { runGraphql } from './graphql';
import type { SnapshotInput, SyncVariables } from './queries';
import type { ShareVariables } from './share-queries';

/** Called after each chunk of a multi-request step, for progress output. */
export type ChunkDone = (done: number, total: number) => void;

export class SyncRemote {
  constructor(
    private readonly http: HttpClient,
    private readonly sessionId: string,
  ) {}

  /** Names members by email in a refused wrap (trust/guard.ts). */
  memberEmails(orgId: string): (accountId: string) => Promise<string | undefined> {
    return memberEmails(this.http, this.sessionId, orgId);
  }

  async project(id: string): Promise<RemoteProject | null> {
    return readProject(await runGraphql(this.http, this.sessionId, 'project', { id }));
  }

  /** The org's projects the caller holds a key for (archived ones are not listed). */
  async projects(teamId: string): Promise<RemoteProject[]> {
    return readProjects(await runGraphql(this.http, this.sessionId, 'projects', { teamId }));
  }

  async teamMemberKeys(teamId: string): Promise<MemberKey[]> {
    return readMemberKeys(await runGraphql(this.http, this.sessionId, 'teamMemberKeys', { teamId }));
  }

  async createProject(variables: SyncVariables['createProject']): Promise<RemoteProject> {
    return readProject(await runGraphql(this.http, this.sessionId, 'createProject', variables), 'createProject')!;
  }

  /** The caller's wrapped copy of the project key, or null. */
  async projectKey(projectId: string): Promise<string | null> {
    return readProjectKey(await runGraphql(this.http, this.sessionId, 'projectKey', { projectId }));
  }

  async branch(projectId: string, branch: string): Promise<RemoteBranch | null> {
    return readBranch(await runGraphql(this.http, this.sessionId, 'branch', { projectId, branch }));
  }

  async branches(projectId: string): Promise<string[]> {
    return readBranches(await runGraphql(this.http, this.sessionId, 'branches', { projectId }));
  }

  /**
   * The snapshots with these ids, in the order asked, 20 per request (fewer where the server says 20 are
   * too large to answer at once); every id must come back.
   */
  async snapshots(projectId: string, ids: readonly string[], onChunk?: ChunkDone): Promise<RemoteSnapshot[]> {
    const out: RemoteSnapshot[] = [];
    for (const chunk of chunks(ids, SNAPSHOTS_PER_CALL)) {
      const got = await inFittingParts(chunk, async (part) => readSnapshots(await runGraphql(this.http, this.sessionId, 'snapshots', { ids: part, projectId }), 'snapshots'));
      const byId = new Map(got.map((s) => [s.id, s]));
      for (const id of chunk) {
        const s = byId.get(id);
        if (!s) throw new SomnusResponseError(200, '/graphql?snapshots', `POST /graphql?snapshots: snapshot ${id} of the branch was not returned`);
        out.push(s);
      }
      onChunk?.(out.length, ids.length);
    }
    return out;
  }

  /** Blob contents by id, 50 per request (fewer where the server says 50 are too large); every id must come back. */
  async blobs(projectId: string, ids: readonly string[], onChunk?: ChunkDone): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const chunk of chunks(ids, BLOBS_PER_READ)) {
      const got = await inFittingParts(chunk, async (part) => readBlobs(await runGraphql(this.http, this.sessionId, 'blobs', { ids: part, projectId })));
      const byId = new Map(got.map((b) => [b.id, b.content]));
      for (const id of chunk) {
        const content = byId.get(id);
        if (content === undefined) throw new SomnusResponseError(200, '/graphql?blobs', `POST /graphql?blobs: blob ${id} of the snapshot was not returned`);
        out.set(id, content);
      }
      onChunk?.(out.size, ids.length);
    }
    return out;
  }

  /** Which of these blob ids the server does not hold. One request unless there are over 1000 ids. */
  async missingBlobs(projectId: string, ids: readonly string[]): Promise<Set<string>> {
    const asked = new Set(ids);
    const missing = new Set<string>();
    for (const chunk of chunks(ids, IDS_PER_CALL)) {
      // an id the server invents as missing would only be uploaded again; one we did not ask about is ignored
      for (const id of readMissing(await runGraphql(this.http, this.sessionId, 'missingBlobs', { projectId, ids: chunk }))) if (asked.has(id)) missing.add(id);
    }
    return missing;
  }

  /** One upload batch (the caller keeps it within the limits, ./batches). */
  async createBlobs(projectId: string, blobs: Array<{ id: string; content: string }>): Promise<number> {
    return readCount(await runGraphql(this.http, this.sessionId, 'blobsCreate', { projectId, blobs }));
  }

  /**
   * Appends the snapshots to the branch, 20 per request, in order. The server's refusal of a
   * non-fast-forward becomes a SyncConflictError.
   */
  async pushSnapshots(projectId: string, branchName: string, snapshots: readonly SnapshotInput[], onChunk?: ChunkDone): Promise<RemoteSnapshot[]> {
    const out: RemoteSnapshot[] = [];
    for (const chunk of chunks(snapshots, SNAPSHOTS_PER_CALL)) {
      try {
        out.push(...readSnapshots(await runGraphql(this.http, this.sessionId, 'snapshotsPush', { projectId, snapshots: chunk, branchName }), 'snapshotsPush'));
      } catch (err) {
        if (err instanceof SyncGraphqlError && err.code === 'CONFLICT') throw new SyncConflictError(branchName, err.message);
        throw err;
      }
      onChunk?.(out.length, snapshots.length);
    }
    return out;
  }

  /** The caller's wrapped key of a personal project and the public keys of `teamId`'s members (docs/protocol.md §7.2). */
  async shareInstructions(teamId: string, id: string): Promise<ShareInstructions> {
    return readShareInstructions(await runGraphql(this.http, this.sessionId, 'projectShareInstructions', { id, teamId }));
  }

  /** Moves a personal project into the team; the server refuses unless `keys` holds one key for every member. */
  async share(variables: ShareVariables['projectShare']): Promise<string> {
    return readMovedProject(await runGraphql(this.http, this.sessionId, 'projectShare', variables), 'projectShare');
  }

  /** Moves a shared project back to the caller's personal org; the server drops every other member's key. */
  async unshare(id: string): Promise<string> {
    return readMovedProject(await runGraphql(this.http, this.sessionId, 'projectUnShare', { id }), 'projectUnShare');
  }
}

/**
 * Reads `ids` in one request, or, when the server answers that so many are more than one answer carries
 * (PAYLOAD_TOO_LARGE: large documents), in halves, recursively. A single id too large is the server's
 * final word.
 */
async function inFittingParts<T>(ids: readonly string[], read: (part: string[]) => Promise<T[]>): Promise<T[]> {
  try {
    return await read([...ids]);
  } catch (err) {
    if (!(err instanceof SyncGraphqlError && err.code === 'PAYLOAD_TOO_LARGE' && ids.length > 1)) throw err;
    const half = Math.ceil(ids.length / 2);
    return [...(await inFittingParts(ids.slice(0, half), read)), ...(await inFittingParts(ids.slice(half), read))];
  }
}
