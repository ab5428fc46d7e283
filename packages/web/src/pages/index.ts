/**
 * The account page: who you are, your organizations and pending invitations (accept, decline), your active
 * sessions (revoke), passphrase change, log out. Signed out, it offers sign-in and sign-up.
 */
import type { LoginSResponse, MyInvitation, OrganizationList, SessionListResponse, VerifyResponse, WhoamiResponse } from '@somnus/models';
import { fingerprintOf } from '@somnus/models/src/fingerprint';
import { changePassphraseMaterial } from '../crypto';
import { request } from '../ui/api';
import { busy, byId, el, formValue, messageOf, plainText, ready, say, show } from '../ui/dom';
import { invitationItem } from '../ui/invitations';
import { membersSection } from '../ui/members';
import { newPassphraseProblem, strengthMeter } from '../ui/passphrase';
import { currentSession, forgetSession, logOut, whoami } from '../ui/session';

const status = byId('status');

async function main(): Promise<void> {
  const token = currentSession();
  const me = token ? await whoami(token) : null;
  if (!token || !me) {
    show(byId('signed-out'));
    return;
  }
  show(byId('account'));
  byId('who-name').textContent = plainText(`${me.firstName} ${me.lastName}`) || '(no name)';
  byId('who-email').textContent = me.email;
  byId('who-id').textContent = me.accountId;
  byId('who-fingerprint').textContent = fingerprintOf(me.publicKey);
  const verified = byId('who-verified');
  verified.textContent = me.isVerified ? 'confirmed' : 'not confirmed';
  verified.dataset.kind = me.isVerified ? 'ok' : 'error';
  show(byId('verify-box'), !me.isVerified);

  wireVerification(token);
  wireLogout(token);
  wireChange(token, me);
  await Promise.all([showOrganizations(token), showInvitations(token, me.isVerified), showSessions(token)]);
}

function wireVerification(token: string): void {
  byId('resend').addEventListener('click', () => {
    void request<VerifyResponse>('POST', '/auth/verify', {}, token).then(
      (r) => say(status, r.message, 'ok'),
      (err) => say(status, messageOf(err), 'error'),
    );
  });
  const form = byId<HTMLFormElement>('verify-code');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, async () => {
      try {
        const r = await request<VerifyResponse>('POST', '/auth/verify', { code: formValue(form, 'code').trim() }, token);
        say(status, r.message, 'ok');
        location.reload();
      } catch (err) {
        say(status, messageOf(err), 'error');
      }
    });
  });
}

function wireLogout(token: string): void {
  byId('logout').addEventListener('click', () => {
    void logOut(token).then(() => location.assign('/app/auth-app/'));
  });
}

async function showOrganizations(token: string): Promise<void> {
  const list = byId('orgs');
  try {
    const { organizations } = await request<OrganizationList>('GET', '/v1/organizations?per_page=100', undefined, token);
    const items = await Promise.all(
      organizations.map(async (o) => {
        const team = o.metadata.organizationType === 'team';
        return el('li', { attrs: { 'data-org': o.id } }, [
          el('span', { className: 'what' }, [el('strong', {}, [el('bdi', { text: plainText(o.display_name || o.name) })]), document.createTextNode(team ? '' : ' (personal)')]),
          el('code', { text: o.id }),
          ...(team ? [await membersSection(o, token, status)] : []),
        ]);
      }),
    );
    list.replaceChildren(...items);
  } catch (err) {
    say(status, messageOf(err), 'error');
  }
}

async function showInvitations(token: string, isVerified: boolean): Promise<void> {
  const list = byId('invites');
  const empty = byId('invites-empty');
  if (!isVerified) {
    empty.textContent = 'Confirm your email address to see invitations addressed to it.';
    show(empty);
    return;
  }
  try {
    const { invitations } = await request<{ invitations: MyInvitation[] }>('GET', '/v1/invites', undefined, token);
    show(empty, invitations.length === 0);
    list.replaceChildren(...invitations.map((i) => invitationItem(i, token, status, () => void showOrganizations(token))));
  } catch (err) {
    say(status, messageOf(err), 'error');
  }
}

async function showSessions(token: string): Promise<void> {
  const list = byId('sessions');
  try {
    const { sessions } = await request<SessionListResponse>('GET', '/v1/user/sessions', undefined, token);
    list.replaceChildren(
      ...sessions.map((s) => {
        const revoke = el('button', { text: s.current ? 'Log out' : 'Revoke', className: 'secondary', attrs: { type: 'button', 'data-session': s.id } });
        revoke.addEventListener('click', () => {
          void busy(revoke, async () => {
            try {
              await request('DELETE', `/v1/user/sessions/${encodeURIComponent(s.id)}`, undefined, token);
              if (s.current) {
                forgetSession();
                location.assign('/app/auth-app/');
              } else {
                revoke.closest('li')?.remove();
                say(status, 'Session revoked.', 'ok');
              }
            } catch (err) {
              say(status, messageOf(err), 'error');
            }
          });
        });
        const what = `${s.client ?? 'unknown client'}${s.ip ? ` from ${s.ip}` : ''}${s.current ? ' — this browser' : ''}`;
        return el('li', {}, [
          el('span', { className: 'what' }, [el('strong', { text: what }), el('br'), el('span', { className: 'hint', text: `signed in ${new Date(s.created).toLocaleString()}, last used ${new Date(s.lastUsed).toLocaleString()}` })]),
          revoke,
        ]);
      }),
    );
  } catch (err) {
    say(status, messageOf(err), 'error');
  }
}

function wireChange(token: string, me: WhoamiResponse): void {
  strengthMeter('change-new', 'change-meter-bar', 'change-strength');
  byId('send-code').addEventListener('click', () => {
    void request('POST', '/auth/send-password-code', undefined, token).then(
      () => say(status, `We sent a code to ${me.email}.`, 'ok'),
      (err) => say(status, messageOf(err), 'error'),
    );
  });
  const form = byId<HTMLFormElement>('change');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    say(status, '');
    void busy(form, async () => {
      const passphrase = formValue(form, 'passphrase');
      const problem = newPassphraseProblem(passphrase, formValue(form, 'confirm'));
      if (problem) {
        say(status, problem, 'error');
        return;
      }
      try {
        say(status, 'Re-encrypting your account key…');
        const salts = await request<LoginSResponse>('POST', '/auth/login-s', { email: me.email });
        const body = await changePassphraseMaterial({
          whoami: me,
          salts,
          code: formValue(form, 'code').trim(),
          currentPassphrase: formValue(form, 'current'),
          newPassphrase: passphrase,
        });
        await request('POST', '/auth/change-password', body, token);
        // a passphrase change ends every session, this one too
        forgetSession();
        location.assign('/app/auth-app/?changed=1');
      } catch (err) {
        say(status, messageOf(err), 'error');
      }
    });
  });
}

void main()
  .catch((err) => say(status, messageOf(err), 'error'))
  .finally(ready);
