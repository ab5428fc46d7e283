import type { WhoamiResponse } from '@somnus/models';
import { ApiError, call } from './api';

/**
 * The web app's session: the token (hex(K) of the SRP login, docs/protocol.md §4.1) kept in sessionStorage,
 * so it lives as long as the tab and is sent only as X-Session-Id, never as a cookie (no cookie means no
 * cross-site request can carry it). The strict Content-Security-Policy keeps scripts other than ours from
 * reading it. The account key is never stored: pages that need it ask for the passphrase again.
 */
const KEY = 'somnus.session';

export function currentSession(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function keepSession(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * The session's whoami, or null (and the stored token forgotten) when the server says it has ended. Any
 * other failure (network, 429, 5xx) throws: the person is still signed in and should be told what failed.
 */
export async function whoami(token: string): Promise<WhoamiResponse | null> {
  const answer = await call('GET', '/auth/whoami', undefined, token);
  if (answer.status === 200) return answer.body as WhoamiResponse;
  if (answer.status === 401 || answer.status === 403) {
    forgetSession();
    return null;
  }
  throw new ApiError(answer.status, String(answer.body?.error ?? 'ERROR'), String(answer.body?.message ?? `The server answered ${answer.status}.`));
}

/** Logs out on the server (the session ends at once) and here. */
export async function logOut(token: string): Promise<void> {
  await call('POST', '/auth/logout', undefined, token);
  forgetSession();
}
