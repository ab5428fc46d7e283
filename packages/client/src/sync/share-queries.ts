/**
 * The sharing trio of 2021/2022 Insomnia clients (docs/protocol.md §5a, §7.2), keyed by label: a personal
 * project moves into a team org with its key wrapped for every member, and moves back. Current clients no
 * longer send these, so they are kept apart from SYNC_QUERIES (which must equal what current clients send);
 * the texts are, character for character, those of the 2022.x clients, and a test checks that they are.
 */

export const SHARE_QUERIES = {
  projectShareInstructions: `query ($id: ID!, $teamId: ID!) {
  projectShareInstructions(teamId: $teamId, id: $id) {
    teamId
    projectKey {
      encSymmetricKey
    }
    memberKeys {
      accountId
      publicKey
    }
  }
}`,
  projectShare: `mutation ($id: ID!, $teamId: ID!, $keys: [ProjectShareKeyInput!]!) {
  projectShare(teamId: $teamId, id: $id, keys: $keys) {
    id
  }
}`,
  projectUnShare: `mutation ($id: ID!) {
  projectUnShare(id: $id) {
    id
  }
}`,
} as const;

export type ShareLabel = keyof typeof SHARE_QUERIES;

/** `ProjectShareKeyInput`: one team member's RSA-wrapped copy of the project key (no `autoLinked`, unlike creation). */
export interface ProjectShareKeyInput {
  accountId: string;
  encSymmetricKey: string;
}

/** The variables each document declares. */
export interface ShareVariables {
  projectShareInstructions: { id: string; teamId: string };
  projectShare: { id: string; teamId: string; keys: ProjectShareKeyInput[] };
  projectUnShare: { id: string };
}
