import type { Failure } from './result';

const ACCESS_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']);

/**
 * A failure as a GraphQL error. Access failures say `invalid access`: Insomnia clients turn that phrase
 * into "you no longer have permission". Used by the router for refusals before a GraphQL route runs, and
 * by the sync function for its resolvers' failures, so both answer alike.
 */
export function graphqlErrorOf(failure: Pick<Failure, 'error' | 'message'>): { message: string; extensions: { code: string } } {
  const message = ACCESS_CODES.has(failure.error) ? `invalid access: ${failure.message}` : failure.message;
  return { message, extensions: { code: failure.error } };
}
