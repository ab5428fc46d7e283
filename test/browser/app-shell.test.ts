import { PAGE_CONTENT_SECURITY_POLICY } from '@somnus/models';
import { startTestStack, type TestStack } from '../support/stack';
import { ensureWebBuilt } from '../support/web';
import { describeInBrowser, launchChromium, type ChromiumSession } from './support/chromium';

/**
 * The account web app's shell in a real browser (issue 13): `/app/` through the gateway of the test stack,
 * as `pnpm start` serves it, loads its script under the strict Content-Security-Policy, and the page
 * reports no console error and no CSP violation. Each page's own flows have their own tests; this one
 * proves the machinery: build, serve, headers, the harness.
 */

describeInBrowser('the web app shell in Chromium', () => {
  let stack: TestStack;
  let browser: ChromiumSession;
  beforeAll(async () => {
    await ensureWebBuilt();
    [stack, browser] = await Promise.all([startTestStack({ functions: ['app'] }), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('opens /app/, runs its script under the CSP, with no console error or violation', async () => {
    const opened = await browser.openPage(`${stack.baseUrl}/app/`);
    expect(opened.response?.status()).toBe(200);
    const headers = opened.response!.headers();
    expect(headers['content-security-policy']).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(headers['referrer-policy']).toBe('no-referrer');
    // the placeholder's script marks the body once it ran; a script the CSP refused never would
    await opened.page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
    await opened.screenshot('app-shell');
    expect(opened.problems()).toEqual([]);
  });

  it('follows /app to /app/, and the policy refuses an inline script (which the harness reports)', async () => {
    const opened = await browser.openPage(`${stack.baseUrl}/app`);
    expect(opened.page.url()).toBe(`${stack.baseUrl}/app/`);
    await opened.page.waitForSelector('body[data-ready="1"]');
    expect(opened.problems()).toEqual([]);
    // as an injected string would: an inline script added to the document must not run
    const ran = await opened.page.evaluate(`(async () => {
      const s = document.createElement('script');
      s.textContent = 'document.body.dataset.injected = "1"';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return document.body.dataset.injected === '1';
    })()`);
    expect(ran).toBe(false);
    expect(opened.cspViolations.map((v) => v.directive)).toEqual(['script-src-elem']);
    expect(opened.problems().some((p) => p.startsWith('CSP violation: script-src-elem'))).toBe(true);
  });
});
