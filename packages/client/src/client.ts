/**
 * SomnusClient: the typed SDK facade. It holds the connection settings and the session token and
 * delegates each flow to its own module (flows/*). Every call names its row of the route table and
 * HttpClient validates the answer with that row's response schema; every secret (passphrase, derived keys, unwrapped keys) stays in this
 * process.
 */
import type { AccountKeys, AesJwk, RsaPrivateJwk } from '@somnus/crypto';
import {
  ROLE_IDS,
  type AcceptInviteResponse,
  type ApproveKeyResponse,
  type KeysResponse,
  type MyInvitation,
  type Organization,
  type OrgInvitation,
  type ProfileResponse,
  type RouteByKey,
  type RouteResponse,
  type SessionSummary,
  type VerifyResponse,
  type WhoamiResponse,
  sameFingerprint,
} from '@somnus/models';
import { DEFAULT_SRP_PROFILE, type SrpProfile } from '@somnus/srp';
import { FingerprintMismatchError, NoProjectKeyError, NotLoggedInError } from './errors';
import { changePassphrase, type ChangePassphraseInput } from './flows/change-passphrase';
import { createProject, type CreateProjectInput, type CreateProjectResult } from './flows/create-project';
import { invite, listOrgInvites, type InviteResult, type MemberRole } from './flows/invite';
import { srpLogin, type LoginInput } from './flows/login';
import { unwrapProjectKey } from './flows/project-keys';
import { resetAccount, sendResetCode, type ResetAccountInput, type ResetAccountResult } from './flows/reset-account';
import { fetchProjectKeys, reshareKeys, type ReshareResult } from './flows/share-keys';
import { shareProject, unshareProject, type ShareProjectResult } from './flows/share-project';
import { inviteTokenFrom, signup, type SignupInput, type SignupResult } from './flows/signup';
import { unwrapKeys } from './flows/unwrap-keys';
import { HttpClient } from './http';
import { KeyGuard } from './trust/guard';
import { MemoryTrustStore, type TrustStore } from './trust/store';
import type { RemoteProject, RemoteSnapshot } from './sync/answers';
import { branches, log } from './sync/history';
import type { SyncProgress } from './sync/progress';
import { pull, type PullInput, type PullResult } from './sync/pull';
import { push, type PushInput, type PushResult } from './sync/push';
import { SyncRemote } from './sync/remote';
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
  /**
   * Where the SDK remembers the history-signing key, the key histories it has seen and the fingerprints it
   * pinned per org (docs/key-authenticity.md §3). In memory by default: a new client trusts on first use again.
   */
  trustStore?: TrustStore;
}

export interface LoginResult {
  /** hex(K): the bearer token. Secret: store it like a password, never print it. */
  sessionId: string;
  accountId: string;
  email: string;
  srpProfile: SrpProfile;
}

/** Page size for the list calls that the SDK walks to the end. */
const PER_PAGE = 100;

export type Member = RouteResponse<RouteByKey<'GET /v1/organizations/:orgId/members'>>['members'][number];
export type StorageRule = RouteResponse<RouteByKey<'GET /v1/organizations/:orgId/storage-rule'>>['storage'];
/** A VCS project as GraphQL `projects` lists it (docs/protocol.md §5). */
export type OrgProject = RemoteProject;

export class SomnusClient {
  private readonly http: HttpClient;
  private token: string | null;
  private profile_: SrpProfile;
  private readonly trustStore: TrustStore;

  constructor(options: SomnusClientOptions) {
    this.http = new HttpClient({
      baseUrl: options.baseUrl,
      clientName: options.clientName ?? defaultClientName(),
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
    });
    this.token = options.sessionId ?? null;
    this.profile_ = options.srpProfile ?? DEFAULT_SRP_PROFILE;
    this.trustStore = options.trustStore ?? new MemoryTrustStore();
  }

  /** The check every wrapping operation passes through (trust/guard.ts). */
  private guard(): KeyGuard {
    return new KeyGuard(this.http, this.requireToken(), this.trustStore);
  }

  /**
   * Confirms a member's changed key in one org after comparing `fingerprint` with them out of band
   * (docs/key-authenticity.md §3.3): it must be the fingerprint of their current key, whose history must
   * verify (FingerprintMismatchError, KeyHistoryError otherwise). Wrapping for them works again afterwards.
   */
  async trustKey(orgId: string, accountId: string, fingerprint: string): Promise<void> {
    const publicKey = await this.publicKeyOf(accountId);
    await this.guard().trust(orgId, { accountId, publicKey }, fingerprint);
  }

  /**
   * The verified head of an account's key history (seq, hash) and its current fingerprint: two members who
   * compare the hash out of band know the server shows them the same history (docs/key-authenticity.md §4).
   */
  async keyHistoryHead(accountId: string): Promise<{ seq: number; hash: string; fingerprint: string }> {
    const publicKey = await this.publicKeyOf(accountId);
    return this.guard().head({ accountId, publicKey });
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

  /**
   * Creates the account; does not log in (the server opens sessions only through SRP). The server emails a
   * verification link and code to the address: `isVerified` is false until one of them is used.
   */
  signup(input: SignupInput): Promise<SignupResult> {
    return signup(this.http, input);
  }

  /** SRP login; on success the client is logged in. Throws ServerProofError if M2 does not verify. */
  async login(input: LoginInput): Promise<LoginResult> {
    const result = await srpLogin(this.http, input);
    // whoami confirms the token works and tells us the account id, which SRP does not carry.
    const who = await this.http.call('GET /auth/whoami', { sessionId: result.sessionId });
    this.token = result.sessionId;
    this.profile_ = result.srpProfile;
    return { sessionId: result.sessionId, accountId: who.accountId, email: who.email, srpProfile: result.srpProfile };
  }

  /**
   * Verifies the account's email address with the code of the verification email (docs/protocol.md §4.1).
   * Until it is verified the account cannot see, accept or decline invitations.
   */
  async verifyEmail(code: string): Promise<VerifyResponse> {
    return this.http.call('POST /auth/verify', { body: { code }, sessionId: this.requireToken() });
  }

  /**
   * Verifies the account's email address with the link of an invitation sent to it (or the link's token):
   * the invitation email reached the mailbox (docs/protocol.md §6).
   */
  async verifyWithInvite(inviteLink: string): Promise<VerifyResponse> {
    return this.http.call('POST /auth/verify', { body: { inviteToken: inviteTokenFrom(inviteLink) }, sessionId: this.requireToken() });
  }

  /** Asks for a new verification email (rate limited); the earlier link and code stop working. */
  async resendVerification(): Promise<VerifyResponse> {
    return this.http.call('POST /auth/verify', { body: {}, sessionId: this.requireToken() });
  }

  async whoami(): Promise<WhoamiResponse> {
    return this.http.call('GET /auth/whoami', { sessionId: this.requireToken() });
  }

  /** Fetches whoami and opens the key chain with the passphrase (WrongPassphraseError if it does not). */
  async unwrapKeys(passphrase: string): Promise<AccountKeys> {
    return unwrapKeys(await this.whoami(), passphrase);
  }

  async keys(): Promise<KeysResponse> {
    return this.http.call('GET /v1/keys', { sessionId: this.requireToken() });
  }

  async profile(): Promise<ProfileResponse> {
    return this.http.call('GET /v1/user/profile', { sessionId: this.requireToken() });
  }

  /** Revokes the session on the server, then forgets the token locally. */
  async logout(): Promise<void> {
    await this.http.call('POST /auth/logout', { sessionId: this.requireToken() });
    this.token = null;
  }

  /** Asks the server to email a passphrase-change code; a new request invalidates the previous code. */
  async sendPasswordCode(): Promise<void> {
    await this.http.call('POST /auth/send-password-code', { sessionId: this.requireToken() });
  }

  /**
   * Changes the passphrase with an emailed code. The current passphrase is verified locally first.
   * The server revokes every other session of the account; this one stays valid.
   */
  async changePassphrase(input: Omit<ChangePassphraseInput, 'srpProfile'> & { srpProfile?: SrpProfile }): Promise<void> {
    return changePassphrase(this.http, this.requireToken(), { ...input, srpProfile: input.srpProfile ?? this.profile_ });
  }

  async listSessions(): Promise<SessionSummary[]> {
    const res = await this.http.call('GET /v1/user/sessions', { sessionId: this.requireToken() });
    return res.sessions;
  }

  /** Revokes one of this account's sessions by its public id (`sess_…`, from listSessions). */
  async revokeSession(id: string): Promise<void> {
    await this.http.call('DELETE /v1/user/sessions/:sessionId', { params: { sessionId: id }, sessionId: this.requireToken() });
  }

  // ─── organizations (docs/protocol.md §6) ────────────────────────────────────────────────────────

  /** Every org the account belongs to (its personal org included), across all pages. */
  async listOrgs(): Promise<Organization[]> {
    const orgs: Organization[] = [];
    for (let page = 0; ; page++) {
      const res = await this.http.call('GET /v1/organizations', { query: { page, per_page: PER_PAGE }, sessionId: this.requireToken() });
      orgs.push(...res.organizations);
      if (!res.next || res.organizations.length === 0) return orgs;
    }
  }

  /** A team org; the caller becomes its owner. */
  async createOrg(name: string): Promise<Organization> {
    return this.http.call('POST /v1/organizations', { body: { name }, sessionId: this.requireToken() });
  }

  async getOrg(orgId: string): Promise<Organization> {
    return this.http.call('GET /v1/organizations/:orgId', { params: { orgId }, sessionId: this.requireToken() });
  }

  async renameOrg(orgId: string, name: string): Promise<Organization> {
    return this.http.call('PATCH /v1/organizations/:orgId', { params: { orgId }, body: { name }, sessionId: this.requireToken() });
  }

  /** Owner only; never the personal org. Its projects, keys and invites go with it. */
  async deleteOrg(orgId: string): Promise<void> {
    await this.http.call('DELETE /v1/organizations/:orgId', { params: { orgId }, sessionId: this.requireToken() });
  }

  /** Every member of the org, across all pages; `email` filters to one address. */
  async members(orgId: string, options: { email?: string } = {}): Promise<Member[]> {
    const members: Member[] = [];
    for (let page = 0; ; page++) {
      const res = await this.http.call('GET /v1/organizations/:orgId/members', {
        params: { orgId },
        query: { page, per_page: PER_PAGE, email: options.email },
        sessionId: this.requireToken(),
      });
      members.push(...res.members);
      if (!res.next || res.members.length === 0) return members;
    }
  }

  /** admin or member (ownership moves only with transferOwnership). */
  async setRole(orgId: string, accountId: string, role: MemberRole): Promise<void> {
    await this.http.call('PUT /v1/organizations/:orgId/members/:accountId/roles', {
      params: { orgId, accountId },
      body: { roles: [ROLE_IDS[role]] },
      sessionId: this.requireToken(),
    });
  }

  /**
   * Owner or admin: approves a member's changed key in the org, after comparing `fingerprint` with the
   * member out of band (docs/protocol.md §6, key approval). The server refuses (409 FINGERPRINT_MISMATCH)
   * unless it is the fingerprint of the member's current key, so an approval cannot land on a later key.
   * Until then the member is quarantined: no client is offered their key to wrap project keys for.
   */
  async approveKey(orgId: string, accountId: string, fingerprint: string): Promise<ApproveKeyResponse> {
    const approved = await this.http.call('POST /v1/organizations/:orgId/members/:accountId/approve-key', {
      params: { orgId, accountId },
      body: { fingerprint },
      sessionId: this.requireToken(),
    });
    // whoever approves has compared this fingerprint with the member: this machine trusts it too, so the
    // re-share that follows is not stopped by its own pin of the old key (docs/key-authenticity.md). The
    // fingerprint pinned is the one the person typed, never the server's echo, and trustKey checks it
    // against the key the server hands out: a server that approved a key of its own is caught here.
    if (!sameFingerprint(approved.fingerprint, fingerprint)) {
      throw new FingerprintMismatchError({ accountId }, fingerprint, approved.fingerprint);
    }
    await this.trustKey(orgId, accountId, fingerprint);
    return approved;
  }

  /** Removes the member and, in the same transaction on the server, every wrapped key they held. */
  async removeMember(orgId: string, accountId: string): Promise<void> {
    await this.http.call('DELETE /v1/organizations/:orgId/members/:accountId', { params: { orgId, accountId }, sessionId: this.requireToken() });
  }

  async leaveOrg(orgId: string): Promise<void> {
    await this.http.call('POST /v1/organizations/:orgId/leave', { params: { orgId }, sessionId: this.requireToken() });
  }

  /** Owner only; the previous owner stays an admin. */
  async transferOwnership(orgId: string, accountId: string): Promise<{ ownerAccountId: string }> {
    return this.http.call('POST /v1/organizations/:orgId/transfer-ownership', { params: { orgId }, body: { accountId }, sessionId: this.requireToken() });
  }

  async storageRule(orgId: string): Promise<StorageRule> {
    const res = await this.http.call('GET /v1/organizations/:orgId/storage-rule', { params: { orgId }, sessionId: this.requireToken() });
    return res.storage;
  }

  async setStorageRule(orgId: string, storage: StorageRule): Promise<StorageRule> {
    const res = await this.http.call('PUT /v1/organizations/:orgId/storage-rule', { params: { orgId }, body: { storage }, sessionId: this.requireToken() });
    return res.storage;
  }

  /** A co-member's public key (JWK JSON string); 404 for anyone who shares no org with the caller. */
  async publicKeyOf(accountId: string): Promise<string> {
    const res = await this.http.call('GET /v1/keys/accounts/:accountId', { params: { accountId }, sessionId: this.requireToken() });
    return res.publicKey;
  }

  // ─── projects and their keys ─────────────────────────────────────────────────────────────────

  /**
   * A VCS project with a fresh key, wrapped here for every current member, created with GraphQL
   * `teamMemberKeys` + `projectCreate` as Insomnia does. `publicJwk` is the caller's own
   * (AccountKeys.publicJwk from unwrapKeys).
   */
  async createProject(input: CreateProjectInput): Promise<CreateProjectResult> {
    return createProject(this.http, this.requireToken(), input, this.guard());
  }

  /**
   * Moves a personal project into the team org `orgId` with its key re-wrapped here for every member
   * (GraphQL projectShareInstructions + projectShare, docs/protocol.md §7.2). `keys` are the caller's
   * unwrapped keys, or its passphrase to unwrap them here.
   */
  async shareProject(projectId: string, orgId: string, keys: AccountKeys | string): Promise<ShareProjectResult> {
    const me = await this.whoami();
    const { privateJwk, publicJwk } = typeof keys === 'string' ? await unwrapKeys(me, keys) : keys;
    return shareProject(new SyncRemote(this.http, this.requireToken()), me.accountId, { projectId, orgId, privateJwk, publicJwk }, this.guard());
  }

  /** Takes a shared project back into the caller's personal org; every other member's key is dropped. */
  async unshareProject(projectId: string): Promise<{ projectId: string }> {
    return unshareProject(new SyncRemote(this.http, this.requireToken()), projectId);
  }

  /**
   * The org's projects this account holds a key for, through GraphQL `projects(teamId)` as Insomnia lists
   * them: a project whose key was never shared with the caller is not readable, so not listed.
   */
  async projects(orgId: string): Promise<OrgProject[]> {
    return new SyncRemote(this.http, this.requireToken()).projects(orgId);
  }

  /**
   * The caller's key for one project, unwrapped with its private key. NoProjectKeyError when none was
   * shared with this account (yet); the server's 404 when the caller is not a member of the org.
   */
  async projectKey(orgId: string, projectId: string, privateJwk: RsaPrivateJwk): Promise<AesJwk> {
    const res = await fetchProjectKeys(this.http, this.requireToken(), orgId);
    const mine = res.projectKeys.find((k) => k.projectId === projectId);
    if (!mine) throw new NoProjectKeyError(projectId);
    return unwrapProjectKey(privateJwk, mine.encKey);
  }

  /** The raw my-project-keys answer: the caller's wrapped keys and the members still lacking one. */
  async myProjectKeys(orgId: string) {
    return fetchProjectKeys(this.http, this.requireToken(), orgId);
  }

  // ─── sync: version control over GraphQL (docs/protocol.md §5) ────────────────────────────────

  /**
   * Pushes `documents` as one new snapshot on `branch` (master), creating the project (with a key wrapped
   * for every member of `orgId`) if it does not exist yet. `keys` are the caller's unwrapped keys, or its
   * passphrase to unwrap them here. See sync/push.ts for the requests and `base`.
   */
  async push(input: Omit<PushInput, 'keys'> & { keys: AccountKeys | string }): Promise<PushResult> {
    const keys = typeof input.keys === 'string' ? await this.unwrapKeys(input.keys) : input.keys;
    return push(this.http, this.requireToken(), { ...input, keys }, this.guard());
  }

  /** The documents of a branch's head, decrypted and checked here. See sync/pull.ts for `local` and `base`. */
  async pull(input: Omit<PullInput, 'keys'> & { keys: AccountKeys | string }): Promise<PullResult> {
    const keys = typeof input.keys === 'string' ? await this.unwrapKeys(input.keys) : input.keys;
    return pull(this.http, this.requireToken(), { ...input, keys });
  }

  /** The names of a project's branches. */
  async branches(projectId: string): Promise<string[]> {
    return branches(this.http, this.requireToken(), projectId);
  }

  /** A branch's snapshots (author, date, message, state), oldest first. */
  async log(projectId: string, branch?: string, onProgress?: SyncProgress): Promise<RemoteSnapshot[]> {
    return log(this.http, this.requireToken(), projectId, branch, onProgress);
  }

  // ─── invites and key sharing ─────────────────────────────────────────────────────────────────

  /**
   * Invites `email` with `role`, running the whole client side of docs/protocol.md §6: check-seats,
   * instructions, my-project-keys, re-wrapping every project key for the invitee (if they have an
   * account), the invite itself, reconcile-keys for anyone else lacking keys, then the role.
   * `keys` are the caller's unwrapped keys, or its passphrase to unwrap them here.
   */
  async invite(orgId: string, email: string, role: MemberRole, keys: AccountKeys | string): Promise<InviteResult> {
    const { privateJwk } = typeof keys === 'string' ? await this.unwrapKeys(keys) : keys;
    return invite(this.http, this.requireToken(), { orgId, email, role, privateJwk }, this.guard());
  }

  /** The org's pending invitations. */
  async orgInvites(orgId: string): Promise<OrgInvitation[]> {
    return listOrgInvites(this.http, this.requireToken(), orgId);
  }

  async revokeInvite(orgId: string, invitationId: string): Promise<void> {
    await this.http.call('DELETE /v1/organizations/:orgId/invites/:invitationId', { params: { orgId, invitationId }, sessionId: this.requireToken() });
  }

  /** Invitations addressed to this account's email. */
  async myInvites(): Promise<MyInvitation[]> {
    const res = await this.http.call('GET /v1/invites', { sessionId: this.requireToken() });
    return res.invitations;
  }

  /**
   * Joins the org with the invitation's role and receives the project keys it carried. The account's email
   * must be verified (verifyEmail, or verifyWithInvite with the invitation's link): that is the server's
   * proof that the invitee reads the mailbox the invitation went to.
   */
  async acceptInvite(invitationId: string): Promise<AcceptInviteResponse> {
    return this.http.call('POST /v1/invites/:invitationId/accept', { params: { invitationId }, sessionId: this.requireToken() });
  }

  async declineInvite(invitationId: string): Promise<void> {
    await this.http.call('POST /v1/invites/:invitationId/decline', { params: { invitationId }, sessionId: this.requireToken() });
  }

  /**
   * Admin: wraps every project key the caller holds for each member who lacks it (after an account
   * reset, or a member who signed up after being invited) and posts them to reconcile-keys.
   */
  async reshareKeys(orgId: string, keys: AccountKeys | string): Promise<ReshareResult> {
    const { privateJwk } = typeof keys === 'string' ? await this.unwrapKeys(keys) : keys;
    return reshareKeys(this.http, this.requireToken(), orgId, privateJwk, this.guard());
  }

  // ─── forgotten passphrase ────────────────────────────────────────────────────────────────────

  /** Emails an account-reset code (the server answers the same whether or not the account exists). */
  async sendResetCode(email: string): Promise<void> {
    return sendResetCode(this.http, email);
  }

  /**
   * Replaces the account's keys after a forgotten passphrase: new salts, verifier and key pair made
   * here. The server ends every session, so this client is logged out afterwards; log in with the
   * new passphrase. Memberships stay; their keys come back when an admin re-shares.
   */
  async resetAccount(input: ResetAccountInput): Promise<ResetAccountResult> {
    const result = await resetAccount(this.http, input);
    this.token = null;
    this.profile_ = result.srpProfile;
    return result;
  }
}
