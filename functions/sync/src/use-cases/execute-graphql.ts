import { execute, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import type { GraphqlBody, GraphqlResponse } from '@somnus/models';
import { errorFacts, graphqlErrorOf, logger, malformedStringAt, ok, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from '../deps';
import { LIMIT_RULES } from '../limits';
import { schema } from '../schema';
import { blobs, blobsMissing, createBlobs } from './blobs';
import { branch, branches, createSnapshots, removeBranch, snapshots } from './history';
import { share, shareInstructions, unshare } from './sharing';
import { archive, createProject, getProject, listProjects, listTeams, projectKey, teamMemberKeys } from './projects';

interface Context {
  deps: SyncDeps;
  actor: SessionActor;
}

type UseCase = (deps: SyncDeps, actor: SessionActor, args: any) => Promise<Result<unknown>>;

/**
 * A root field of the schema, answered by one use case. A failed Result becomes a GraphQL error with its
 * code; access failures say `invalid access`, which clients turn into "you no longer have permission". A
 * throw is a bug: logged without its message, answered with the request id only.
 */
const field =
  (useCase: UseCase) =>
  async (args: Record<string, unknown>, ctx: Context): Promise<unknown> => {
    // The router checked the JSON body, but a string literal in the document (`"\u0000"`) is decoded only
    // here: the same rule for arguments, so such a string is a client's error, never a database one
    // (docs/architecture.md §3, validation)
    const bad = malformedStringAt(args);
    if (bad !== null) {
      throw new GraphQLError(`argument ${bad}: must be well-formed Unicode without NUL characters`, { extensions: { code: 'VALIDATION_ERROR' } });
    }
    let result: Result<unknown>;
    try {
      result = await useCase(ctx.deps, ctx.actor, args);
    } catch (err) {
      logger().child({ fn: 'sync', requestId: ctx.actor.meta.requestId }).error({ err: errorFacts(err) }, 'unhandled error');
      throw new GraphQLError(`Internal error (request ${ctx.actor.meta.requestId})`, { extensions: { code: 'INTERNAL' } });
    }
    if (result.ok) return result.value;
    const { message, extensions } = graphqlErrorOf(result);
    throw new GraphQLError(message, { extensions });
  };

const ROOT = {
  projects: field(listProjects),
  project: field(getProject),
  projectKey: field(projectKey),
  teamMemberKeys: field(teamMemberKeys),
  teams: field((deps, actor) => listTeams(deps, actor)),
  branches: field(branches),
  branch: field(branch),
  snapshots: field(snapshots),
  blobs: field(blobs),
  blobsMissing: field(blobsMissing),
  projectCreate: field(createProject),
  snapshotsCreate: field(createSnapshots),
  blobsCreate: field(createBlobs),
  branchRemove: field(removeBranch),
  projectArchive: field(archive),
  projectShareInstructions: field(shareInstructions),
  projectShare: field(share),
  projectUnShare: field(unshare),
};

const documents = new Map<string, DocumentNode>();
const MAX_CACHED_DOCUMENTS = 200;

/** Clients send the same few documents over and over: each is parsed and validated once per instance. */
function prepare(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  const cached = documents.get(query);
  if (cached) return { document: cached };
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: 2000 });
  } catch (err) {
    return { errors: [err instanceof GraphQLError ? err : new GraphQLError('the query does not parse')] };
  }
  const errors = validate(schema, document, [...specifiedRules, ...LIMIT_RULES]);
  if (errors.length) return { errors };
  if (documents.size >= MAX_CACHED_DOCUMENTS) documents.clear();
  documents.set(query, document);
  return { document };
}

const format = (result: ExecutionResult): GraphqlResponse => ({
  ...(result.data !== undefined ? { data: result.data as Record<string, unknown> | null } : {}),
  ...(result.errors?.length
    ? { errors: result.errors.map((e) => ({ message: e.message, ...(e.path ? { path: e.path } : {}), ...(e.extensions?.code ? { extensions: { code: e.extensions.code } } : {}) })) }
    : {}),
});

/**
 * `POST /graphql`: one GraphQL operation of the sync schema, within the limits of ./limits. The answer is
 * always a GraphQL response (data and/or errors); a document that does not parse or breaks a limit never
 * runs.
 */
export async function executeGraphql(deps: SyncDeps, actor: SessionActor, body: GraphqlBody): Promise<Result<GraphqlResponse>> {
  const prepared = prepare(body.query);
  if ('errors' in prepared) return ok(format({ errors: prepared.errors }));
  const result = await execute({
    schema,
    document: prepared.document,
    rootValue: ROOT,
    contextValue: { deps, actor } satisfies Context,
    variableValues: body.variables ?? undefined,
    operationName: body.operationName ?? undefined,
  });
  return ok(format(result));
}
