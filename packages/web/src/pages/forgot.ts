/**
 * A forgotten passphrase (docs/protocol.md §4.3): `POST /auth/send-reset-code`, then `POST /auth/reset`
 * with the emailed code and entirely new key material made here. The old keys cannot be unwrapped without
 * the old passphrase, so what they protected is lost; the page says so before anything happens.
 */
import { normaliseEmail, resetMaterial } from '../crypto';
import { request } from '../ui/api';
import { busy, byId, formValue, messageOf, ready, say, show } from '../ui/dom';
import { newPassphraseProblem, strengthMeter } from '../ui/passphrase';

const status = byId('status');
const requestForm = byId<HTMLFormElement>('request');
const resetForm = byId<HTMLFormElement>('reset');
let email = '';
strengthMeter('reset-passphrase', 'reset-meter-bar', 'reset-strength');

requestForm.addEventListener('submit', (event) => {
  event.preventDefault();
  say(status, '');
  void busy(requestForm, async () => {
    email = normaliseEmail(formValue(requestForm, 'email'));
    if (!email) {
      say(status, 'Enter your email address.', 'error');
      return;
    }
    try {
      await request('POST', '/auth/send-reset-code', { email });
      // the same answer whether or not there is an account: the page cannot tell, and does not pretend to
      byId('reset-sent').textContent = `If ${email} has an account, a reset code is on its way there. It works for 15 minutes.`;
      show(requestForm, false);
      show(resetForm);
    } catch (err) {
      say(status, messageOf(err), 'error');
    }
  });
});

resetForm.addEventListener('submit', (event) => {
  event.preventDefault();
  say(status, '');
  void busy(resetForm, async () => {
    const passphrase = formValue(resetForm, 'passphrase');
    const problem = newPassphraseProblem(passphrase, formValue(resetForm, 'confirm'));
    if (problem) {
      say(status, problem, 'error');
      return;
    }
    if (!byId<HTMLInputElement>('reset-understood').checked) {
      say(status, 'Tick the box to confirm that you understand the old data will be lost.', 'error');
      return;
    }
    try {
      say(status, 'Creating your new keys…');
      const material = await resetMaterial(passphrase, email);
      await request('POST', '/auth/reset', { ...material, code: formValue(resetForm, 'code').trim() });
      show(resetForm, false);
      say(status, 'Your account has new keys and a new passphrase. Sign in with it.', 'ok');
    } catch (err) {
      say(status, messageOf(err), 'error');
    }
  });
});

ready();
