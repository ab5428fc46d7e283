import type { MyInvitation } from '@somnus/models';
import { request } from './api';
import { busy, el, messageOf, nameEl, plainText, say } from './dom';

/**
 * One pending invitation with Accept and Decline. The organization's and inviter's names are other
 * people's text: shown as text (never markup) and quoted, as in the invitation email.
 */
export function invitationItem(i: MyInvitation, token: string, status: HTMLElement, onDone: () => void): HTMLLIElement {
  const accept = el('button', { text: 'Accept', attrs: { type: 'button', 'data-invite': i.id, 'data-action': 'accept' } });
  const decline = el('button', { text: 'Decline', className: 'secondary', attrs: { type: 'button', 'data-invite': i.id, 'data-action': 'decline' } });
  const item = el('li', {}, [
    el('span', { className: 'what' }, [
      nameEl(i.organization.name),
      document.createTextNode(` as ${i.role}, from `),
      nameEl(i.inviter.name || i.inviter.email),
      document.createTextNode(' '),
      el('bdi', { text: `<${plainText(i.inviter.email)}>` }),
      el('br'),
      el('span', { className: 'hint', text: `expires ${new Date(i.expires_at).toLocaleString()}` }),
    ]),
    accept,
    decline,
  ]);
  const act = (action: 'accept' | 'decline') => () =>
    void busy(item, async () => {
      try {
        await request('POST', `/v1/invites/${encodeURIComponent(i.id)}/${action}`, undefined, token);
        say(status, action === 'accept' ? `You joined “${plainText(i.organization.name)}”.` : 'Invitation declined.', 'ok');
        item.remove();
        onDone();
      } catch (err) {
        say(status, messageOf(err), 'error');
      }
    });
  accept.addEventListener('click', act('accept'));
  decline.addEventListener('click', act('decline'));
  return item;
}
