/**
 * The link of an invitation email (`/app/invite/?invite=`). Signed out: sign in, or sign up with the
 * link's token (which verifies the invited address, docs/protocol.md §6). Signed in: the token is sent
 * with `POST /auth/verify {inviteToken}` — it verifies the address when the account has the invited one —
 * then the account's pending invitations are shown to accept or decline.
 */
import { call, request } from '../ui/api';
import { byId, messageOf, ready, say, show } from '../ui/dom';
import { invitationItem } from '../ui/invitations';
import { currentSession, whoami } from '../ui/session';

const params = new URLSearchParams(location.search);
const status = byId('status');

async function main(): Promise<void> {
  const raw = params.get('invite') ?? '';
  const inviteToken = /^[0-9a-fA-F]{64}$/.test(raw) ? raw.toLowerCase() : null;
  if (!inviteToken) {
    say(status, 'This invitation link is incomplete: open it again from the email, or copy the whole link.', 'error');
    return;
  }
  const here = `/app/invite/?invite=${inviteToken}`;
  const token = currentSession();
  const me = token ? await whoami(token) : null;
  if (!token || !me) {
    byId<HTMLAnchorElement>('invite-signin').href = `/app/auth-app/?next=${encodeURIComponent(here)}`;
    byId<HTMLAnchorElement>('invite-signup').href = `/app/signup/?invite=${inviteToken}`;
    show(byId('signed-out'));
    return;
  }
  if (!me.isVerified) {
    // the invitation's token confirms the address only for the account that has the invited address
    const verified = await call('POST', '/auth/verify', { inviteToken }, token);
    if (verified.status !== 200 || !verified.body.isVerified) {
      say(status, `${verified.body?.message ?? 'This invitation could not confirm your address.'} You are signed in as ${me.email}.`, 'error');
      return;
    }
  }
  try {
    const { invitations } = await request('GET', '/v1/invites', undefined, token);
    show(byId('invitations'));
    show(byId('invitations-empty'), invitations.length === 0);
    byId('invites').replaceChildren(...invitations.map((i: any) => invitationItem(i, token, status, () => undefined)));
  } catch (err) {
    say(status, messageOf(err), 'error');
  }
}

void main().finally(ready);
