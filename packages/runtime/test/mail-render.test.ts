import { cleanOperatorText, renderIncidentMail, renderInvitationMail, renderKeyChangedMail, renderReshareMail } from '../src/mail-render';

/** The one module that renders every email (docs/architecture.md §11.1, §11.3). */

const invitation = (over: Partial<Parameters<typeof renderInvitationMail>[0]> = {}) =>
  renderInvitationMail({
    inviteId: `inv_${'a'.repeat(32)}`,
    link: `https://api.example.test/app/invite/?invite=${'b'.repeat(64)}`,
    inviteeEmail: 'bob@example.test',
    orgName: 'Acme',
    inviterName: 'Jane Doe',
    inviterEmail: 'jane@example.test',
    role: 'member',
    expiresAt: '2026-12-10T00:00:00.000Z',
    ...over,
  });

describe('names people chose', () => {
  it('cannot start a line of their own, hide text with format characters, or leave their quotes', () => {
    const m = invitation({
      orgName: 'Acme\n\nURGENT: reset your passphrase at https://evil.example\u202Egnp.exe',
      inviterName: 'Jane\r\n"Security team"\u200B',
    });
    expect(m.text).toContain('"Acme URGENT: reset your passphrase at https://evil.example gnp.exe"');
    // the subject keeps 60 characters of each name, still quoted
    expect(m.subject).toContain('the organization "Acme URGENT: reset your passphrase at https://evil.example g" on Somnus');
    for (const part of [m.subject, m.text]) {
      expect(part).toContain('"Jane \\"Security team\\""');
      expect(part).not.toMatch(/\u202E|\u200B/);
    }
    expect(m.subject).not.toContain('\n');
    expect(m.text.split('\n').some((line) => line.startsWith('URGENT'))).toBe(false);
  });

  it('are escaped in HTML', () => {
    const m = invitation({ orgName: '<img src=x onerror=alert(1)>' });
    expect(m.html).not.toContain('<img');
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('in a re-share request too', () => {
    const m = renderReshareMail({ memberEmail: 'bob@example.test', orgId: `org_${'c'.repeat(32)}`, orgName: 'Team\nFAKE LINE' });
    expect(m.subject).toBe('bob@example.test needs their keys re-shared in the organization "Team FAKE LINE"');
    expect(m.text).toContain('named "Team FAKE LINE"');
  });

  it('in a changed-key notice too, which says whose key, its fingerprint, to compare out of band and how to approve', () => {
    const orgId = `org_${'c'.repeat(32)}`;
    const accountId = `acct_${'d'.repeat(32)}`;
    const fingerprint = '01234 56789 01234 56789 01234 56789';
    const m = renderKeyChangedMail({ memberEmail: 'bob@example.test', memberAccountId: accountId, fingerprint, orgId, orgName: 'Team\nFAKE LINE <b>' });
    expect(m.subject).toBe('The key of bob@example.test changed in the organization "Team FAKE LINE <b>": compare and approve it');
    expect(m.text).toContain('named "Team FAKE LINE <b>"');
    expect(m.text.split('\n').some((line) => line.startsWith('FAKE'))).toBe(false);
    expect(m.text).toContain(`    ${fingerprint}\n`);
    expect(m.text).toMatch(/out of band/);
    expect(m.text).toContain(`somnus org approve-key ${orgId} ${accountId} '${fingerprint}'`);
    expect(m.text).toContain(`somnus org reshare ${orgId}`);
    expect(m.html).not.toContain('<b>');
    expect(m.html).toContain(fingerprint);
  });
});

describe('a breach notice', () => {
  const base = {
    incidentId: `inc_${'d'.repeat(32)}`,
    title: 'Replica <exposed>',
    summary: 'First paragraph.\n\nSecond paragraph.',
    details: 'Emails and names.',
    severity: 'critical' as const,
    postmortemUrl: 'https://status.example.test/pm/1',
    createdAt: new Date('2026-12-01T10:00:00Z'),
  };

  it('says what happened, what was affected, what to do, and links the post-mortem, in text and HTML', () => {
    const m = renderIncidentMail(base);
    expect(m.subject).toBe('[Somnus security notice] Replica <exposed>');
    for (const heading of ['What happened', 'What data was affected', 'What you should do', 'Post-mortem']) {
      expect(m.text).toContain(heading);
      expect(m.html).toContain(`>${heading}</h2>`);
    }
    expect(m.text).toContain('First paragraph.\n\nSecond paragraph.');
    expect(m.text).toContain('Change your passphrase');
    expect(m.html).toContain('Replica &lt;exposed&gt;');
    expect(m.html).toContain('<a href="https://status.example.test/pm/1">');
  });

  it('asks less of users for a low-severity incident, and says a post-mortem will follow when there is none', () => {
    const m = renderIncidentMail({ ...base, severity: 'low', postmortemUrl: null });
    expect(m.text).not.toContain('Change your passphrase');
    expect(m.text).toContain('We will publish a post-mortem');
  });

  it('never makes a link of something that is not http(s)', () => {
    const m = renderIncidentMail({ ...base, postmortemUrl: 'javascript:alert(1)' });
    expect(m.html).not.toContain('href="javascript');
  });
});

it('keeps line breaks of operators\' text and drops other control characters', () => {
  expect(cleanOperatorText('a\r\nb\tc\u0007d\u202Ee')).toBe('a\nb c d e');
});
