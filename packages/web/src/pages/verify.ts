/**
 * The link of a verification email (`/app/verify/?token=`): confirms the address through
 * `GET /auth/verify?token=` and says so. A used link says it was already confirmed; an expired or replaced
 * one says that plainly and offers a new email (which needs the session: signed out, the page asks to sign
 * in first and comes back with `?resend=1`).
 */
import type { VerifyResponse } from '@somnus/models';
import { call, request } from '../ui/api';
import { busy, byId, messageOf, ready, say, show } from '../ui/dom';
import { currentSession } from '../ui/session';

const params = new URLSearchParams(location.search);
const status = byId('status');

function offerNewEmail(reason: string): void {
  byId('again-text').textContent = reason;
  show(byId('again'));
  const token = currentSession();
  const resend = byId<HTMLButtonElement>('resend');
  show(resend, token !== null);
  show(byId('resend-signin'), token === null);
  if (!token) return;
  resend.addEventListener('click', () => {
    void busy(resend, async () => {
      try {
        const r = await request<VerifyResponse>('POST', '/auth/verify', {}, token);
        say(status, r.isVerified ? r.message : `${r.message} Open the link in the new email.`, 'ok');
      } catch (err) {
        say(status, messageOf(err), 'error');
      }
    });
  });
}

async function main(): Promise<void> {
  const token = params.get('token');
  if (params.get('resend') === '1' || token === null) {
    offerNewEmail(token === null && params.get('resend') !== '1' ? 'This page needs the link from your email. If you lost the email, ask for a new one.' : 'Ask for a new email: its link will work.');
    return;
  }
  const answer = await call('GET', `/auth/verify?token=${encodeURIComponent(token)}`);
  if (answer.status === 200) {
    byId('result-text').textContent = answer.body.message;
    show(byId('result'));
    say(status, answer.body.isVerified ? 'Email address confirmed.' : '', 'ok');
    return;
  }
  const code = answer.body?.error;
  const why =
    code === 'CODE_EXPIRED'
      ? 'This link has expired: links work for 24 hours.'
      : code === 'INVALID_CODE'
        ? 'This link does not work: it was replaced by a newer email, or it was not copied whole.'
        : (answer.body?.message ?? 'The link could not be checked.');
  say(status, why, 'error');
  offerNewEmail(`${why} Ask for a new email: its link will work.`);
}

void main().finally(ready);
