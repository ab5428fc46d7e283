import { requireChromium, screenshotPath, SCREENSHOT_DIR } from './support/chromium';

/** The browser harness's own promises, which need no browser. */

it('a missing Chromium fails with the command that installs it, not a silent skip', () => {
  expect(() => requireChromium('/nonexistent/chromium')).toThrow(/apt-get install -y chromium[\s\S]*SOMNUS_SKIP_BROWSER=1/);
});

it('screenshots land in test-artifacts/screenshots under a plain file name', () => {
  expect(screenshotPath('sign up / step 1')).toBe(`${SCREENSHOT_DIR}/sign-up-step-1.png`);
  expect(screenshotPath('../../etc/passwd')).toBe(`${SCREENSHOT_DIR}/etc-passwd.png`);
});
