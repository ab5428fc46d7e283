import { buildSchema } from 'graphql';

/**
 * The GraphQL schema of sync, schema-first: exactly the operations Insomnia clients send (docs/protocol.md
 * §5, §5a, §7.2). The argument and input type names are the wire contract — clients name the variable
 * types (`ID`, `String`, `SnapshotInput`, `BlobInput`, `ProjectCreateKeyInput`, `ProjectShareKeyInput`) in
 * their query texts, so renaming one breaks every client.
 */
export const SDL = /* GraphQL */ `
  type Query {
    projects(teamId: ID, teamProjectId: ID): [Project!]!
    project(id: ID!): Project
    projectKey(projectId: ID!): ProjectKey
    teamMemberKeys(teamId: ID!): TeamMemberKeys!
    branches(project: ID!): [Branch!]
    branch(project: ID!, name: String!): Branch
    snapshots(ids: [ID!]!, project: ID!): [Snapshot!]!
    blobs(ids: [ID!]!, project: ID!): [Blob!]!
    blobsMissing(project: ID!, ids: [ID!]!): MissingBlobs!
    teams: [Team!]!
    projectShareInstructions(teamId: ID!, id: ID!): ProjectShareInstructions!
  }

  type Mutation {
    projectCreate(
      name: String!
      id: ID!
      rootDocumentId: ID!
      teamId: ID
      teamKeys: [ProjectCreateKeyInput!]
      teamProjectId: ID
      encSymmetricKey: String
    ): Project!
    snapshotsCreate(project: ID!, snapshots: [SnapshotInput!]!, branch: String!): [Snapshot!]!
    blobsCreate(project: ID!, blobs: [BlobInput!]!): BlobsCreated!
    branchRemove(project: ID!, name: String!): Boolean
    projectArchive(id: ID!): Boolean
    projectShare(teamId: ID!, id: ID!, keys: [ProjectShareKeyInput!]!): ProjectRef!
    projectUnShare(id: ID!): ProjectRef!
  }

  type Team { id: ID!  name: String! }
  type Project { id: ID!  name: String!  rootDocumentId: ID!  teams: [Team!]! }
  type ProjectKey { encSymmetricKey: String! }
  type MemberKey { accountId: ID!  publicKey: String!  autoLinked: Boolean! }
  type TeamMemberKeys { memberKeys: [MemberKey!]! }
  type Branch { name: String!  created: String!  modified: String!  snapshots: [ID!]! }
  type AuthorAccount { firstName: String  lastName: String  email: String }
  type SnapshotStateEntry { blob: ID!  key: ID!  name: String! }
  type Snapshot {
    id: ID!
    parent: ID!
    created: String!
    author: ID!
    authorAccount: AuthorAccount
    name: String!
    description: String!
    state: [SnapshotStateEntry!]!
  }
  type Blob { id: ID!  content: String! }
  type MissingBlobs { missing: [ID!]! }
  type BlobsCreated { count: Int! }
  type ProjectShareInstructions { teamId: ID!  projectKey: ProjectKey!  memberKeys: [MemberKey!]! }
  type ProjectRef { id: ID! }

  input ProjectCreateKeyInput { accountId: ID!  encSymmetricKey: String!  autoLinked: Boolean }
  input SnapshotStateEntryInput { key: ID!  name: String!  blob: ID! }
  input SnapshotInput {
    id: ID!
    parent: ID!
    created: String!
    name: String!
    description: String
    author: ID
    state: [SnapshotStateEntryInput!]!
  }
  input BlobInput { id: ID!  content: String! }
  input ProjectShareKeyInput { accountId: ID!  encSymmetricKey: String! }
`;

export const schema = buildSchema(SDL);
