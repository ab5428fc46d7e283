/**
 * One GraphQL operation over `POST /graphql?<label>` (docs/protocol.md §5): the exact document of
 * ./queries (or ./share-queries) for that label, its variables, the session. Errors come back with
 * status 200 in `errors[]`; like Insomnia, the first one is what the caller is told, as a typed
 * SyncGraphqlError.
 */
import { SomnusResponseError, SyncGraphqlError } from '../errors';
import type { HttpClient } from '../http';
import { SYNC_QUERIES, type SyncLabel, type SyncVariables } from './queries';
import { SHARE_QUERIES, type ShareLabel, type ShareVariables } from './share-queries';

export type GraphqlLabel = SyncLabel | ShareLabel;
type GraphqlVariables = SyncVariables & ShareVariables;

const DOCUMENTS: Readonly<Record<GraphqlLabel, string>> = { ...SYNC_QUERIES, ...SHARE_QUERIES };

/** Sends one operation; returns its `data` (an object) or throws the first error. */
export async function runGraphql<L extends GraphqlLabel>(http: HttpClient, sessionId: string, label: L, variables: GraphqlVariables[L]): Promise<Record<string, unknown>> {
  const res = await http.call('POST /graphql', { body: { query: DOCUMENTS[label], variables: { ...variables } }, sessionId, label });
  const first = res.errors?.[0];
  if (first) {
    const ext = (first as { extensions?: unknown }).extensions;
    const code = typeof ext === 'object' && ext !== null && typeof (ext as { code?: unknown }).code === 'string' ? (ext as { code: string }).code : null;
    throw new SyncGraphqlError(label, code, first.message);
  }
  if (!res.data) throw new SomnusResponseError(200, `/graphql?${label}`, `POST /graphql?${label}: the answer has neither data nor errors`);
  return res.data;
}
