import { randomBytes } from 'node:crypto';
import { CURRENT_QUERIES } from '../e2e/fixtures/insomnia-vcs-queries';
import type { Api } from './api';

/**
 * Creating a VCS project in a test the one way clients can (docs/protocol.md §5): GraphQL `projectCreate`
 * with the exact document current Insomnia clients send. The server requires `teamKeys` to hold one
 * wrapped key for every current member of the org, the caller included, and for nobody else.
 */

export interface ProjectCreateVariables {
  name: string;
  /** Defaults to a fresh `prj_` id. */
  id?: string;
  /** Insomnia's workspace id; defaults to a fresh `wrk_` id. */
  rootDocumentId?: string;
  /** The org; without it the caller's personal org. */
  teamId?: string;
  /** Defaults to the org's default team project. */
  teamProjectId?: string;
  teamKeys: Array<{ accountId: string; encSymmetricKey: string; autoLinked?: boolean }>;
}

export interface CreatedProject {
  id: string;
  name: string;
  rootDocumentId: string;
}

/** POST /graphql?createProject as `headers`' session; throws with the GraphQL error's message if refused. */
export async function createProjectOverGraphql(sync: Api, headers: Record<string, string>, input: ProjectCreateVariables): Promise<CreatedProject> {
  const variables = {
    name: input.name,
    id: input.id ?? `prj_${randomBytes(16).toString('hex')}`,
    rootDocumentId: input.rootDocumentId ?? `wrk_${randomBytes(8).toString('hex')}`,
    teamId: input.teamId,
    teamKeys: input.teamKeys.map((k) => ({ autoLinked: false, ...k })),
    teamProjectId: input.teamProjectId,
  };
  const res = await sync.post('/graphql?createProject', { query: CURRENT_QUERIES.createProject.query, variables }, headers);
  // refusals come back as 200 with errors[] (docs/protocol.md §5); any other status is the transport failing
  if (res.status !== 200) throw new Error(`projectCreate: HTTP ${res.status} ${res.text}`);
  const error = res.body?.errors?.[0];
  if (error) throw new Error(`projectCreate refused (${error.extensions?.code ?? 'no code'}): ${error.message}`);
  const created: CreatedProject | undefined = res.body?.data?.projectCreate;
  if (!created || created.id !== variables.id) throw new Error(`projectCreate: unexpected answer ${res.text}`);
  return created;
}
