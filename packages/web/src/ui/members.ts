import type { Member, MemberList } from '@somnus/models';
import { request } from './api';
import { busy, el, messageOf, nameEl, plainText, say } from './dom';

/**
 * The members of a team organization with their key fingerprints (docs/key-authenticity.md). A member whose
 * key changed since it was approved here is "pending": nothing is shared with that key until an owner or
 * admin approves it, and approving takes the fingerprint the member read out to them, which the server
 * checks against the current key — so the button cannot approve a key nobody compared.
 */
export async function membersSection(org: { id: string }, token: string, status: HTMLElement): Promise<HTMLElement> {
  const [{ members }, permissions] = await Promise.all([
    request<MemberList>('GET', `/v1/organizations/${encodeURIComponent(org.id)}/members?per_page=100`, undefined, token),
    request<Record<string, boolean>>('GET', `/v1/organizations/${encodeURIComponent(org.id)}/user-permissions`, undefined, token),
  ]);
  const canApprove = permissions['update:membership'] === true;
  const list = el('ul', { className: 'list members', attrs: { 'data-org': org.id } });
  for (const m of members) list.append(memberItem(org.id, m, canApprove, token, status));
  const details = el('details', { className: 'members-box' }, [el('summary', { text: `Members (${members.length})` }), list]);
  // a pending key needs someone's attention: show it without a click
  if (members.some((m) => m.keyStatus === 'pending')) details.open = true;
  return details;
}

function memberItem(orgId: string, m: Member, canApprove: boolean, token: string, status: HTMLElement): HTMLLIElement {
  const badge = el('span', { className: 'badge', text: m.keyStatus === 'pending' ? 'key changed: not approved' : 'key approved' });
  badge.dataset.kind = m.keyStatus === 'pending' ? 'error' : 'ok';
  const item = el('li', { attrs: { 'data-member': m.user_id } }, [
    el('span', { className: 'what' }, [
      nameEl(m.name || m.email),
      document.createTextNode(` ${m.role_name} `),
      badge,
      el('br'),
      el('code', { className: 'fingerprint', text: m.fingerprint || '(no key)' }),
    ]),
  ]);
  if (m.keyStatus === 'pending' && canApprove) {
    const input = el('input', { attrs: { name: 'fingerprint', 'aria-label': `Fingerprint ${plainText(m.email)} read to you`, placeholder: 'the fingerprint they read to you', inputmode: 'numeric', autocomplete: 'off' } });
    const approve = el('button', { text: 'Approve key', attrs: { type: 'submit' } });
    const form = el('form', { className: 'inline approve', attrs: { novalidate: '' } }, [input, approve]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, async () => {
        try {
          await request('POST', `/v1/organizations/${encodeURIComponent(orgId)}/members/${encodeURIComponent(m.user_id)}/approve-key`, { fingerprint: input.value.trim() }, token);
          badge.textContent = 'key approved';
          badge.dataset.kind = 'ok';
          form.remove();
          say(status, `The new key of ${plainText(m.email)} is approved: the next re-share gives them the team's keys.`, 'ok');
        } catch (err) {
          say(status, messageOf(err), 'error');
        }
      });
    });
    item.append(form);
  }
  return item;
}
