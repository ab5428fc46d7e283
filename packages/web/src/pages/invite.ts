/**
 * The link of an invitation email (`/app/invite/?invite=`). Signed out: sign in, or sign up with the
 * link's token (which verifies the invited address, docs/protocol.md §6). Signed in: the token is sent
 * with `POST /auth/verify {inviteToken}` — it verifies the address when the account has the invited one —
 * then the account's pending invitations are shown to accept or decline.
 */
import type { MyInvitation } from '@somnus/models';
import { call, request } from '../ui/api';
import { byId, messageOf, ready, say, show } from '../ui/dom';
import { invitationItem } from '../ui/invitations';
import { currentSession, logOut, whoami } from '../ui/session';

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
  byId('signed-in-as').textContent = me.email;
  show(byId('who'));
  byId('switch').addEventListener('click', () => {
    void logOut(token).then(() => location.assign(`/app/auth-app/?next=${encodeURIComponent(here)}`));
  });
  if (!me.isVerified) {
    // the invitation's token confirms the address only for the account that has the invited address
    const verified = await call('POST', '/auth/verify', { inviteToken }, token);
    if (verified.status !== 200 || !verified.body.isVerified) {
      const why = String(verified.body?.message ?? 'This invitation could not confirm your address').replace(/[.\s]*$/, '.');
      say(status, `${why} If the invitation was sent to another address, sign in with that one.`, 'error');
      return;
    }
  }
  const list = byId('invites');
  const empty = byId('invitations-empty');
  const { invitations } = await request<{ invitations: MyInvitation[] }>('GET', '/v1/invites', undefined, token);
  show(byId('invitations'));
  show(empty, invitations.length === 0);
  list.replaceChildren(...invitations.map((i) => invitationItem(i, token, status, () => show(empty, list.children.length === 0))));
}

void main()
  .catch((err) => say(status, messageOf(err), 'error'))
  .finally(ready);
