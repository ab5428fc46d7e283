/**
 * @somnus/client: the typed end-to-end-encrypted SDK for Somnus (and the `somnus` CLI in cli.ts).
 */
export { SomnusClient, type SomnusClientOptions, type LoginResult } from './client';
export { SomnusApiError, SomnusResponseError, SomnusNetworkError, ServerProofError, NotLoggedInError } from './errors';
export { HttpClient, normalizeBaseUrl, type ResponseSchema, type HttpClientOptions, type RequestOptions } from './http';
export type { SignupInput, SignupResult } from './flows/signup';
export type { LoginInput } from './flows/login';
export type { ChangePassphraseInput } from './flows/change-passphrase';
export { CLIENT_VERSION, defaultClientName } from './version';
// Re-exported so SDK users can catch a locally detected wrong passphrase without importing @somnus/crypto.
export { WrongPassphraseError, type AccountKeys } from '@somnus/crypto';
