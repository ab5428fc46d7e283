import { quoteUserText } from './mail-text';

/**
 * The one module that renders every email Somnus sends (docs/architecture.md §11.1, §11.3), as plain text
 * and HTML from the same parts. Words users chose (names of people and organizations) pass through
 * `quoteUserText` only; everything in the HTML is escaped. Operators' incident texts are the operator's
 * words, kept as paragraphs, stripped of control characters and escaped in HTML.
 */

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph, a preformatted line (a code, a command, a link) or a labelled value. */
type Block = { p: string } | { pre: string } | { link: string; label?: string } | { h: string };

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Control and format characters other than line breaks become spaces; line breaks are normalised. */
export function cleanOperatorText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => (c === '\n' ? c : ' '))
    .trim();
}

/** One line: no line breaks at all (a subject, a title). */
const oneLine = (text: string, max = 200) => Array.from(cleanOperatorText(text).replace(/\s+/g, ' ')).slice(0, max).join('');

function compose(subject: string, blocks: readonly Block[]): RenderedMail {
  const text: string[] = [];
  const html: string[] = [];
  for (const b of blocks) {
    if ('h' in b) {
      text.push(`${b.h}\n${'-'.repeat(Math.min(b.h.length, 60))}`);
      html.push(`<h2 style="font-size:16px">${escapeHtml(b.h)}</h2>`);
    } else if ('p' in b) {
      text.push(b.p);
      html.push(`<p>${escapeHtml(b.p).replace(/\n/g, '<br>')}</p>`);
    } else if ('pre' in b) {
      text.push(`    ${b.pre}`);
      html.push(`<pre style="font-size:15px">${escapeHtml(b.pre)}</pre>`);
    } else {
      text.push(`${b.label ? `${b.label}\n` : ''}    ${b.link}`);
      const safe = /^https?:\/\//i.test(b.link) ? escapeHtml(b.link) : '#';
      html.push(`<p>${b.label ? `${escapeHtml(b.label)}<br>` : ''}<a href="${safe}">${escapeHtml(b.link)}</a></p>`);
    }
  }
  return {
    subject: oneLine(subject, 250),
    text: `${text.join('\n\n')}\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif;max-width:640px">${html.join('\n')}</body></html>\n`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Breach notifications

export interface IncidentMailData {
  incidentId: string;
  title: string;
  summary: string;
  details: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  postmortemUrl: string | null;
  createdAt: Date;
}

/** What we ask every affected user to do, stronger with the severity. */
export function incidentAdvice(severity: IncidentMailData['severity']): string[] {
  const advice = [
    'Review the sessions of your account (somnus sessions, or Settings → Sessions in the app) and end any you do not recognise.',
    'Be wary of emails that claim to come from Somnus and ask for your passphrase: we never ask for it.',
  ];
  if (severity === 'high' || severity === 'critical') {
    advice.unshift(
      'Change your passphrase (somnus passphrase change). Your documents are end-to-end encrypted: the server never had your passphrase or your keys.',
      'Rotate API tokens and credentials stored in your synced collections if they could be sensitive.',
    );
  }
  return advice;
}

export function renderIncidentMail(d: IncidentMailData): RenderedMail {
  const title = oneLine(d.title);
  const blocks: Block[] = [
    { p: `We are writing to tell you about a security incident at Somnus that affects your account.` },
    { h: 'What happened' },
    { p: `${title} (severity: ${d.severity}, recorded ${d.createdAt.toISOString()}).` },
    { p: cleanOperatorText(d.summary) },
  ];
  const details = cleanOperatorText(d.details);
  blocks.push({ h: 'What data was affected' });
  blocks.push({
    p:
      details ||
      'Our investigation is ongoing. Documents you sync are end-to-end encrypted: the server stores only ciphertext and wrapped keys.',
  });
  blocks.push({ h: 'What you should do' });
  for (const [i, a] of incidentAdvice(d.severity).entries()) blocks.push({ p: `${i + 1}. ${a}` });
  blocks.push({ h: 'Post-mortem' });
  if (d.postmortemUrl) blocks.push({ link: d.postmortemUrl, label: 'Our full account of the incident:' });
  else blocks.push({ p: 'We will publish a post-mortem once the investigation is complete.' });
  blocks.push({ p: `Reference: ${d.incidentId}. You receive this email once, because your account was in scope of this incident.` });
  return compose(`[Somnus security notice] ${title}`, blocks);
}

// ---------------------------------------------------------------------------------------------------------
// Account and organization emails

export interface VerificationMailData {
  code: string;
  link: string;
}

export function renderVerificationMail(d: VerificationMailData): RenderedMail {
  return compose('Confirm your email address for Somnus', [
    { p: 'Someone (hopefully you) signed up for Somnus with this email address. To confirm that it is yours, open this link:' },
    { link: d.link },
    { p: 'or, logged in, type the code:' },
    { pre: d.code },
    { p: `with \`somnus verify ${d.code}\` (or POST /auth/verify {"code": "…"} with your session).` },
    {
      p:
        'The link and the code work once and expire in 24 hours. Until the address is confirmed, the account\n' +
        'cannot see, accept or decline invitations sent to it.',
    },
    { p: 'If you did not sign up, ignore this email: without the link or the code the address stays unconfirmed.' },
  ]);
}

export function renderPasswordCodeMail(d: { code: string }): RenderedMail {
  return compose('Your Somnus passphrase change code', [
    { p: 'Your code to change your Somnus passphrase is:' },
    { pre: d.code },
    { p: 'It works once and expires in 15 minutes. If you did not ask for it, you can ignore this email; your passphrase stays the same.' },
  ]);
}

export function renderResetCodeMail(d: { code: string }): RenderedMail {
  return compose('Your Somnus account reset code', [
    { p: 'Someone (hopefully you) asked to reset your Somnus account because the passphrase was forgotten.\nYour reset code is:' },
    { pre: d.code },
    { p: 'It works once and expires in 15 minutes.' },
    {
      p:
        'Read this before you use it. Your data is end-to-end encrypted with keys that only your passphrase\n' +
        'unlocks, so a reset cannot recover them: it replaces your keys with new ones.\n' +
        '  - Data that only your account could decrypt (your personal projects, and team projects nobody else\n' +
        '    has a key for) is deleted from the server. Copies on your own devices are not touched.\n' +
        '  - You stay a member of your teams. Their data comes back once an owner or admin of each team\n' +
        '    re-shares the keys with you; they are told by email.\n' +
        '  - Every device is signed out.',
    },
    {
      p:
        'If you remember your passphrase, do not reset: sign in instead. If you did not ask for this, ignore\n' +
        'this email; nothing changes without the code.',
    },
  ]);
}

export interface InvitationMailData {
  inviteId: string;
  link: string;
  inviteeEmail: string;
  orgName: string;
  inviterName: string;
  inviterEmail: string;
  role: string;
  expiresAt: string;
}

export function renderInvitationMail(m: InvitationMailData): RenderedMail {
  return compose(`${quoteUserText(m.inviterName, 60)} invited you to the organization ${quoteUserText(m.orgName, 60)} on Somnus`, [
    { p: `You are invited to join an organization on Somnus as ${m.role}.` },
    {
      p:
        `    Organization (named by its owner): ${quoteUserText(m.orgName)}\n` +
        `    Invited by (their name as they gave it): ${quoteUserText(m.inviterName)} <${m.inviterEmail}>\n` +
        `    Invitation: ${m.inviteId}`,
    },
    { p: `This link is your invitation. Using it confirms that ${m.inviteeEmail} is yours:` },
    { link: m.link },
    { p: 'New to Somnus? Sign up with it:' },
    { pre: `somnus signup --email ${m.inviteeEmail} --invite '${m.link}'` },
    { p: 'Already have an account with this address? Log in, and if the address is not verified yet:' },
    { pre: `somnus verify --invite '${m.link}'` },
    { p: 'Then accept with' },
    { pre: `somnus org accept ${m.inviteId}` },
    { p: `or POST /v1/invites/${m.inviteId}/accept with your session (…/decline to decline).` },
    { p: `The invitation expires on ${m.expiresAt}. If you did not expect it, ignore this email.` },
  ]);
}

export interface ReshareMailData {
  memberEmail: string;
  orgId: string;
  orgName: string;
}

/** To an org's owners and admins after a member reset their account: re-share the keys. */
export function renderReshareMail(d: ReshareMailData): RenderedMail {
  // the org's name is someone's words: quoted, and unable to break a line (docs/architecture.md §11.1)
  const orgName = quoteUserText(d.orgName);
  return compose(`${d.memberEmail} needs their keys re-shared in the organization ${orgName}`, [
    {
      p:
        `${d.memberEmail} reset their Somnus account after forgetting their passphrase. They are still a member\n` +
        `of the organization named ${orgName} (${d.orgId}), but their copies of its project keys could not\n` +
        'survive the reset, so they cannot read its projects until someone re-shares the keys.',
    },
    { p: 'As an owner or admin, re-share them from your client:' },
    { pre: `somnus org reshare ${d.orgId}` },
    {
      p:
        '(or any client that runs my-project-keys and reconcile-keys) wraps the keys for their new public\n' +
        'key. The server cannot do it for you: it never holds a key it could read.',
    },
  ]);
}

export interface KeyChangedMailData {
  memberEmail: string;
  memberAccountId: string;
  fingerprint: string;
  orgId: string;
  orgName: string;
}

/**
 * To an org's owners and admins when a member's key pair changed (an account reset): the new key is
 * quarantined until one of them compares its fingerprint with the member out of band and approves it
 * (docs/protocol.md §6, key approval). Whoever took over the member's mailbox can reset the account, so the
 * mail says plainly not to approve on its word alone.
 */
export function renderKeyChangedMail(d: KeyChangedMailData): RenderedMail {
  // the org's name is someone's words: quoted, and unable to break a line (docs/architecture.md §11.1)
  const orgName = quoteUserText(d.orgName);
  return compose(`The key of ${d.memberEmail} changed in the organization ${orgName}: compare and approve it`, [
    {
      p:
        `The account ${d.memberEmail} (${d.memberAccountId}) has a new key pair: it was reset after a forgotten\n` +
        `passphrase. In the organization named ${orgName} (${d.orgId}) the new key is quarantined: no client\n` +
        'will be offered it for wrapping project keys, and the member cannot read its projects, until an owner\n' +
        'or admin approves it.',
    },
    { p: 'The fingerprint of the new key, as the server gives it:' },
    { pre: d.fingerprint },
    {
      p:
        'Compare it with the member out of band (in person, a call, a channel you trust: not by replying to\n' +
        'this email). They see theirs with `somnus whoami --fingerprint` or on their account page. Whoever\n' +
        'controls their mailbox can reset the account, so approve only if the member reads you the same digits.',
    },
    { p: 'If they match, approve it from your client:' },
    { pre: `somnus org approve-key ${d.orgId} ${d.memberAccountId} '${d.fingerprint}'` },
    { p: 'or in the web app\'s member list. Then re-share the keys:' },
    { pre: `somnus org reshare ${d.orgId}` },
    { p: 'If they do not match, or the member did not reset their account, do not approve: remove the member and tell them.' },
  ]);
}
