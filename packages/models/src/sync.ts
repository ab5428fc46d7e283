import { z } from 'zod';

/**
 * The wire shapes of sync (docs/protocol.md §5): one GraphQL endpoint. The GraphQL schema itself lives
 * with the `sync` function; these are the HTTP envelope and the limits every layer agrees on.
 */

/**
 * `blobsCreate` batches: at most 200 blobs per call. Insomnia cuts its batches at 2 MB of *compressed
 * plaintext*, which its hex ciphertext JSON roughly doubles, so the content cap is 4.5 MB, not 2 MB:
 * a lower cap would refuse the real client's pushes.
 */
export const MAX_BLOBS_PER_CALL = 200;
export const MAX_BLOB_CONTENT_PER_CALL = 4.5 * 1024 * 1024;
/** `blobsMissing` gets every blob id of the pushed states in one call: a workspace of tens of thousands of documents. */
export const MAX_MISSING_IDS_PER_CALL = 100_000;
/** One request body: a full blob batch, or a full blobsMissing list, as JSON. */
export const SYNC_BODY_LIMIT = 8 * 1024 * 1024;
/**
 * Blob content one `blobs` answer carries at most: what one body may upload, so that anything pushed can be
 * pulled, and an answer (read into memory before it is sent) stays bounded however many ids are asked.
 */
export const MAX_BLOB_READ_PER_CALL = SYNC_BODY_LIMIT;
/**
 * Snapshots (state, name, description) one `snapshots` answer carries at most. Clients push and pull snapshots 20 at a time, so 20
 * read together were pushed in at most two bodies: two bodies' worth lets anything pushed be pulled, and
 * keeps an answer bounded however many ids are asked.
 */
export const MAX_SNAPSHOT_READ_PER_CALL = 2 * SYNC_BODY_LIMIT;
/** The query text alone. Insomnia's longest is under 1 KB. */
export const MAX_QUERY_CHARS = 20_000;

export const graphqlBody = z.object({
  query: z.string().min(1, 'query is required').max(MAX_QUERY_CHARS),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(200).nullish(),
});
export type GraphqlBody = z.infer<typeof graphqlBody>;

/** What every GraphQL answer is: data, errors, or both. */
export const graphqlResponse = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z.array(z.object({ message: z.string() }).passthrough()).optional(),
});
export type GraphqlResponse = z.infer<typeof graphqlResponse>;

/** GET /v1/user/files: the caller's synced projects ("files") with their team project and org. */
export const userFilesResponse = z.array(
  z.object({ id: z.string(), name: z.string(), projectId: z.string(), teamProjectId: z.string(), organizationId: z.string() }),
);

/** POST /v1/organizations/{orgId}/collaborators: "I have this file open in this team project". */
export const collaboratorsBody = z
  .object({ project: z.string().min(1).max(100), file: z.string().min(1).max(100) })
  .meta({ examples: [{ project: 'proj_example', file: 'wrk_example' }] });

/** Who else has files of that team project open now; an empty list when nobody does. */
export const collaboratorsResponse = z.object({
  data: z.array(
    z.object({
      acct: z.string(),
      avatar: z.string(),
      branch: z.string(),
      file: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      project: z.string(),
      team: z.string(),
    }),
  ),
});
