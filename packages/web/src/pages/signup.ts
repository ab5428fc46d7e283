/**
 * Sign up (docs/protocol.md §4.1): salts, keys and the SRP verifier are made here, in the browser; the
 * server receives the salts, the verifier, the public key and the two wrapped keys. Then the page signs in
 * with the same passphrase, as a user would next. `?invite=` (from an invitation email) verifies the
 * address at signup; `?next=` is where to go afterwards.
 */
import { newAccountMaterial, normaliseEmail, srpLogin } from '../crypto';
import type { SignupResponse } from '@somnus/models';
import { call, request } from '../ui/api';
import { busy, byId, formValue, messageOf, ready, safeNext, say, show } from '../ui/dom';
import { newPassphraseProblem, strengthMeter } from '../ui/passphrase';
import { keepSession } from '../ui/session';

const params = new URLSearchParams(location.search);
const status = byId('status');
const form = byId<HTMLFormElement>('signup');
const invite = params.get('invite');
const inviteToken = invite && /^[0-9a-fA-F]{64}$/.test(invite) ? invite.toLowerCase() : null;
// after an invitation's signup, its page shows the invitation to accept
const next = safeNext(params.get('next'), inviteToken ? `/app/invite/?invite=${inviteToken}` : '/app/');
if (inviteToken) show(byId('invite-note'));
byId<HTMLAnchorElement>('signin-link').href = `/app/auth-app/?next=${encodeURIComponent(next)}`;
strengthMeter('signup-passphrase', 'meter-bar', 'strength');

form.addEventListener('submit', (event) => {
  event.preventDefault();
  say(status, '');
  void busy(form, async () => {
    const email = normaliseEmail(formValue(form, 'email'));
    const passphrase = formValue(form, 'passphrase');
    const problem = !email ? 'Enter your email address.' : newPassphraseProblem(passphrase, formValue(form, 'confirm'));
    if (problem) {
      say(status, problem, 'error');
      return;
    }
    if (!byId<HTMLInputElement>('signup-understood').checked) {
      say(status, 'Tick the box to confirm that you understand a lost passphrase means lost data.', 'error');
      return;
    }
    try {
      say(status, 'Creating your keys…');
      const { credentials } = await newAccountMaterial(passphrase, email);
      const created = await request<SignupResponse>('POST', '/auth/signup', {
        email,
        firstName: formValue(form, 'firstName').trim(),
        lastName: formValue(form, 'lastName').trim(),
        ...credentials,
        ...(inviteToken ? { inviteToken } : {}),
      });
      say(status, created.isVerified ? 'Account created. Signing in…' : 'Account created. We sent you an email to confirm your address. Signing in…', 'ok');
      if (next.startsWith('/app/auth-app/') && new URL(next, location.origin).searchParams.has('loginKey')) {
        // sent by the Insomnia app: its sign-in page makes the app's own session, this page keeps none
        location.assign(next);
        return;
      }
      const { token } = await srpLogin(call, email, passphrase);
      keepSession(token);
      location.assign(next);
    } catch (err) {
      say(status, messageOf(err), 'error');
    }
  });
});

ready();
