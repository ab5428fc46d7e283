/**
 * The GraphQL documents the SDK sends to `POST /graphql?<label>` (docs/protocol.md §5), keyed by label.
 * They are, character for character, the texts current Insomnia clients send: a server that serves
 * Insomnia serves the SDK, and the SDK exercises nothing Insomnia does not. The SDK keeps its own copy
 * (tests hold the recorded client texts separately, and a test checks that the two are identical), so
 * an edit here that drifts from what clients send fails that test instead of passing unnoticed.
 *
 * Labels are not always the root field: missingBlobs → blobsMissing, createProject → projectCreate,
 * removeBranch → branchRemove, snapshotsPush → snapshotsCreate.
 */

export const SYNC_QUERIES = {
  projects: `query ($teamId: ID, $teamProjectId: ID) {
  projects(teamId: $teamId, teamProjectId: $teamProjectId) {
    id
    name
    rootDocumentId
    teams {
      id
      name
    }
  }
}`,
  project: `query ($id: ID!) {
  project(id: $id) {
    id
    name
    rootDocumentId
  }
}`,
  projectKey: `query ($projectId: ID!) {
  projectKey(projectId: $projectId) {
    encSymmetricKey
  }
}`,
  teamMemberKeys: `query ($teamId: ID!) {
  teamMemberKeys(teamId: $teamId) {
    memberKeys {
      accountId
      publicKey
      autoLinked
    }
  }
}`,
  branches: `query ($projectId: ID!) {
  branches(project: $projectId) {
    name
  }
}`,
  branch: `query ($projectId: ID!, $branch: String!) {
  branch(project: $projectId, name: $branch) {
    created
    modified
    name
    snapshots
  }
}`,
  snapshots: `query ($ids: [ID!]!, $projectId: ID!) {
  snapshots(ids: $ids, project: $projectId) {
    id
    parent
    created
    author
    authorAccount {
      firstName
      lastName
      email
    }
    name
    description
    state {
      blob
      key
      name
    }
  }
}`,
  blobs: `query ($ids: [ID!]!, $projectId: ID!) {
  blobs(ids: $ids, project: $projectId) {
    id
    content
  }
}`,
  missingBlobs: `query ($projectId: ID!, $ids: [ID!]!) {
  blobsMissing(project: $projectId, ids: $ids) {
    missing
  }
}`,
  createProject: `mutation (
  $name: String!,
  $id: ID!,
  $rootDocumentId: ID!,
  $teamId: ID,
  $teamProjectId: ID,
  $teamKeys: [ProjectCreateKeyInput!],
) {
  projectCreate(
    name: $name,
    id: $id,
    rootDocumentId: $rootDocumentId,
    teamId: $teamId,
    teamKeys: $teamKeys,
    teamProjectId: $teamProjectId
  ) {
    id
    name
    rootDocumentId
  }
}`,
  projectArchive: `mutation ($id: ID!) {
  projectArchive(id: $id)
}`,
  removeBranch: `mutation ($projectId: ID!, $branch: String!) {
  branchRemove(project: $projectId, name: $branch)
}`,
  snapshotsPush: `mutation ($projectId: ID!, $snapshots: [SnapshotInput!]!, $branchName: String!) {
  snapshotsCreate(project: $projectId, snapshots: $snapshots, branch: $branchName) {
    id
    parent
    created
    author
    authorAccount {
      firstName
      lastName
      email
    }
    name
    description
    state {
      blob
      key
      name
    }
  }
}`,
  blobsCreate: `mutation ($projectId: ID!, $blobs: [BlobInput!]!) {
  blobsCreate(project: $projectId, blobs: $blobs) {
    count
  }
}`,
} as const;

export type SyncLabel = keyof typeof SYNC_QUERIES;

/** `SnapshotInput` as declared by the schema; `author` is left out: the server takes it from the session. */
export interface SnapshotInput {
  id: string;
  parent: string;
  /** ISO date. */
  created: string;
  /** The commit message. */
  name: string;
  description: string;
  state: Array<{ key: string; name: string; blob: string }>;
}

/** `ProjectCreateKeyInput`: one member's RSA-wrapped copy of a new project key. */
export interface ProjectCreateKeyInput {
  accountId: string;
  encSymmetricKey: string;
  autoLinked: boolean;
}

/** The variables each document declares (an absent optional one is left out of the JSON, as Insomnia does). */
export interface SyncVariables {
  projects: { teamId?: string; teamProjectId?: string };
  project: { id: string };
  projectKey: { projectId: string };
  teamMemberKeys: { teamId: string };
  branches: { projectId: string };
  branch: { projectId: string; branch: string };
  snapshots: { ids: string[]; projectId: string };
  blobs: { ids: string[]; projectId: string };
  missingBlobs: { projectId: string; ids: string[] };
  createProject: { name: string; id: string; rootDocumentId: string; teamId?: string; teamProjectId?: string; teamKeys: ProjectCreateKeyInput[] };
  projectArchive: { id: string };
  removeBranch: { projectId: string; branch: string };
  snapshotsPush: { projectId: string; snapshots: SnapshotInput[]; branchName: string };
  blobsCreate: { projectId: string; blobs: Array<{ id: string; content: string }> };
}
