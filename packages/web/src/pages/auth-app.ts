/**
 * Sign in (docs/protocol.md §4.2). With `?loginKey=` the page was opened by the Insomnia app: after the SRP
 * login it seals {token, key} to the app's public key and offers the `insomnia://app/auth/finish` deep
 * link and the code to paste. Without it, it signs in to the account page (or to `?next=`).
 */
import { appDeepLink, decodeLoginKey, loginBoxCode, normaliseEmail, srpLogin } from '../crypto';
import { call } from '../ui/api';
import { busy, byId, formValue, messageOf, ready, safeNext, say, show } from '../ui/dom';
import { keepSession } from '../ui/session';

const params = new URLSearchParams(location.search);
const status = byId('status');
const form = byId<HTMLFormElement>('signin');
const rawLoginKey = params.get('loginKey');
const next = safeNext(params.get('next'));

let loginKey: Uint8Array | null = null;
if (rawLoginKey !== null) {
  try {
    loginKey = decodeLoginKey(rawLoginKey);
    show(byId('app-intro'));
    byId('title').textContent = 'Sign in to Insomnia';
  } catch {
    show(form, false);
    say(status, 'This sign-in link from Insomnia is damaged: its key is not valid. Go back to Insomnia and choose “Log in” again.', 'error');
  }
}
if (params.get('changed') === '1') say(status, 'Your passphrase is changed and every session has ended. Sign in with the new passphrase.', 'ok');
// someone new, sent here by the app, signs up and comes back to this very page to finish the hand-off
if (loginKey) byId<HTMLAnchorElement>('signup-link').href = `/app/signup/?next=${encodeURIComponent(location.pathname + location.search)}`;
else if (params.get('next')) byId<HTMLAnchorElement>('signup-link').href = `/app/signup/?next=${encodeURIComponent(next)}`;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  say(status, '');
  void busy(form, async () => {
    const email = normaliseEmail(formValue(form, 'email'));
    const passphrase = formValue(form, 'passphrase');
    if (!email || !passphrase) {
      say(status, 'Enter your email and passphrase.', 'error');
      return;
    }
    say(status, 'Signing in…');
    try {
      const { token, key } = await srpLogin(call, email, passphrase);
      if (loginKey) {
        // this session is the app's: it is sealed for the app and not kept by this page
        const code = loginBoxCode(token, key, loginKey);
        byId<HTMLTextAreaElement>('code').value = code;
        byId<HTMLAnchorElement>('deep-link').href = appDeepLink(code);
        show(form, false);
        say(status, '');
        show(byId('handoff'));
        byId<HTMLAnchorElement>('deep-link').focus();
      } else {
        keepSession(token);
        location.assign(next);
      }
    } catch (err) {
      say(status, messageOf(err), 'error');
    }
  });
});

byId('copy').addEventListener('click', () => {
  const code = byId<HTMLTextAreaElement>('code');
  code.select();
  const copied = byId('copied');
  navigator.clipboard?.writeText(code.value).then(
    () => say(copied, 'Copied.', 'ok'),
    () => say(copied, 'Select the code and copy it by hand.', 'info'),
  );
});

ready();
