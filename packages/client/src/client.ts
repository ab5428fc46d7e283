/**
 * SomnusClient: the typed SDK facade. It holds the connection settings and the session token and
 * delegates each flow to its own module (flows/*). Every answer is validated by HttpClient against
 * the @somnus/models schemas; every secret (passphrase, derived keys, unwrapped keys) stays in this
 * process.
 */
import type { AccountKeys } from '@somnus/crypto';
import {
  keysResponse,
  okResponse,
  profileResponse,
  ROUTES,
  sessionListResponse,
  whoamiResponse,
  type KeysResponse,
  type ProfileResponse,
  type SessionSummary,
  type WhoamiResponse,
} from '@somnus/models';
import { DEFAULT_SRP_PROFILE, type SrpProfile } from '@somnus/srp';
import { NotLoggedInError } from './errors';
import { changePassphrase, type ChangePassphraseInput } from './flows/change-passphrase';
import { srpLogin, type LoginInput } from './flows/login';
import { fillPath, routePath } from './flows/route';
import { signup, type SignupInput, type SignupResult } from './flows/signup';
import { unwrapKeys } from './flows/unwrap-keys';
import { HttpClient } from './http';
import { defaultClientName } from './version';

export interface SomnusClientOptions {
  baseUrl: string;
  /** A session token from an earlier login (hex(K)), e.g. restored by the CLI. */
  sessionId?: string;
  /** SRP profile of the logged-in account, needed by changePassphrase when restoring a session. */
  srpProfile?: SrpProfile;
  /** X-Insomnia-Client value; defaults to `somnus-cli::<platform>::<version>`. */
  clientName?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface LoginResult {
  /** hex(K): the bearer token. Secret: store it like a password, never print it. */
  sessionId: string;
  accountId: string;
  email: string;
  srpProfile: SrpProfile;
}

const PATHS = {
  whoami: routePath('GET', '/auth/whoami', ROUTES),
  logout: routePath('POST', '/auth/logout', ROUTES),
  sendPasswordCode: routePath('POST', '/auth/send-password-code', ROUTES),
  sessions: routePath('GET', '/v1/user/sessions', ROUTES),
  session: routePath('DELETE', '/v1/user/sessions/:sessionId', ROUTES),
  keys: routePath('GET', '/v1/keys', ROUTES),
  profile: routePath('GET', '/v1/user/profile', ROUTES),
} as const;

export class SomnusClient {
  private readonly http: HttpClient;
  private token: string | null;
  private profile_: SrpProfile;

  constructor(options: SomnusClientOptions) {
    this.http = new HttpClient({
      baseUrl: options.baseUrl,
      clientName: options.clientName ?? defaultClientName(),
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
    });
    this.token = options.sessionId ?? null;
    this.profile_ = options.srpProfile ?? DEFAULT_SRP_PROFILE;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The current session token, or null. Secret. */
  get sessionId(): string | null {
    return this.token;
  }

  get srpProfile(): SrpProfile {
    return this.profile_;
  }

  get isLoggedIn(): boolean {
    return this.token !== null;
  }

  private requireToken(): string {
    if (!this.token) throw new NotLoggedInError();
    return this.token;
  }

  /** Creates the account; does not log in (the server opens sessions only through SRP). */
  signup(input: SignupInput): Promise<SignupResult> {
    return signup(this.http, input);
  }

  /** SRP login; on success the client is logged in. Throws ServerProofError if M2 does not verify. */
  async login(input: LoginInput): Promise<LoginResult> {
    const result = await srpLogin(this.http, input);
    // whoami confirms the token works and tells us the account id, which SRP does not carry.
    const who = await this.http.request({ method: 'GET', path: PATHS.whoami, schema: whoamiResponse, sessionId: result.sessionId });
    this.token = result.sessionId;
    this.profile_ = result.srpProfile;
    return { sessionId: result.sessionId, accountId: who.accountId, email: who.email, srpProfile: result.srpProfile };
  }

  async whoami(): Promise<WhoamiResponse> {
    return this.http.request({ method: 'GET', path: PATHS.whoami, schema: whoamiResponse, sessionId: this.requireToken() });
  }

  /** Fetches whoami and opens the key chain with the passphrase (WrongPassphraseError if it does not). */
  async unwrapKeys(passphrase: string): Promise<AccountKeys> {
    return unwrapKeys(await this.whoami(), passphrase);
  }

  async keys(): Promise<KeysResponse> {
    return this.http.request({ method: 'GET', path: PATHS.keys, schema: keysResponse, sessionId: this.requireToken() });
  }

  async profile(): Promise<ProfileResponse> {
    return this.http.request({ method: 'GET', path: PATHS.profile, schema: profileResponse, sessionId: this.requireToken() });
  }

  /** Revokes the session on the server, then forgets the token locally. */
  async logout(): Promise<void> {
    await this.http.request({ method: 'POST', path: PATHS.logout, schema: okResponse, sessionId: this.requireToken() });
    this.token = null;
  }

  /** Asks the server to email a passphrase-change code; a new request invalidates the previous code. */
  async sendPasswordCode(): Promise<void> {
    await this.http.request({ method: 'POST', path: PATHS.sendPasswordCode, schema: okResponse, sessionId: this.requireToken() });
  }

  /**
   * Changes the passphrase with an emailed code. The current passphrase is verified locally first.
   * The server revokes every other session of the account; this one stays valid.
   */
  async changePassphrase(input: Omit<ChangePassphraseInput, 'srpProfile'> & { srpProfile?: SrpProfile }): Promise<void> {
    return changePassphrase(this.http, this.requireToken(), { ...input, srpProfile: input.srpProfile ?? this.profile_ });
  }

  async listSessions(): Promise<SessionSummary[]> {
    const res = await this.http.request({ method: 'GET', path: PATHS.sessions, schema: sessionListResponse, sessionId: this.requireToken() });
    return res.sessions;
  }

  /** Revokes one of this account's sessions by its public id (`sess_…`, from listSessions). */
  async revokeSession(id: string): Promise<void> {
    const path = fillPath(PATHS.session, { sessionId: id });
    await this.http.request({ method: 'DELETE', path, schema: okResponse, sessionId: this.requireToken() });
  }
}
