import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';

/**
 * Headless Chromium for the tests of the account web app (issue 13; docs/architecture.md §13): Debian's
 * `chromium` package driven by playwright-core, one fresh profile per launch. Every page opened through
 * here records what would go unnoticed in a plain assertion — console errors, uncaught exceptions and
 * Content-Security-Policy violations — so a test can demand that there were none.
 *
 *   const browser = await launchChromium();
 *   const opened = await browser.openPage(`${stack.baseUrl}/app/`);
 *   await opened.page.waitForSelector('body[data-ready="1"]');
 *   await opened.screenshot('sign-up');            // test-artifacts/screenshots/sign-up.png
 *   expect(opened.problems()).toEqual([]);
 *   await browser.close();
 *
 * Chromium missing fails the tests with the command that installs it; SOMNUS_SKIP_BROWSER=1 skips them
 * (describeInBrowser), for a machine that cannot have it.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SKIP_BROWSER_ENV = 'SOMNUS_SKIP_BROWSER';
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '..', 'test-artifacts', 'screenshots');

/** The flags of issue 13: no sandbox (containers), no GPU, and nothing that phones home during a test. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Browser tests take longer than API tests: a launch, pages, screenshots. */
export const BROWSER_TEST_TIMEOUT_MS = 120_000;

export const skipBrowser = (): boolean => process.env[SKIP_BROWSER_ENV] === '1';

/**
 * `describe` for browser tests. With SOMNUS_SKIP_BROWSER=1 they are skipped, and the name says why; without
 * it they run, and fail at launch if Chromium is missing (a CI without it must not pass by skipping).
 */
export function describeInBrowser(name: string, fn: () => void): void {
  if (skipBrowser()) {
    // skipped on purpose: this machine was told it has no Chromium (SOMNUS_SKIP_BROWSER=1)
    describe.skip(`${name} [skipped: SOMNUS_SKIP_BROWSER=1, no Chromium here]`, fn);
    return;
  }
  describe(name, () => {
    jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);
    fn();
  });
}

/** Throws, with the command that fixes it, when Chromium is not installed. */
export function requireChromium(executablePath = CHROMIUM_PATH): void {
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: the browser tests need it. Install it with ` +
        '`apt-get install -y chromium` (as root; .ci/run does), or set SOMNUS_SKIP_BROWSER=1 to skip these tests on a machine that cannot have it.',
    );
  }
}

/** A violation the page reported (`securitypolicyviolation`): what was blocked, by which directive. */
export interface CspViolation {
  directive: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
  sample: string;
}

export interface OpenedPage {
  page: Page;
  /** The answer to the navigation (status, headers), null for same-document navigations. */
  response: Response | null;
  /** `console.error` and the browser's own error lines (a failed load, a refused script). */
  consoleErrors: string[];
  /** Uncaught exceptions and unhandled rejections in the page. */
  pageErrors: string[];
  cspViolations: CspViolation[];
  /** Everything above as one list of lines: `expect(opened.problems()).toEqual([])`. */
  problems(): string[];
  /** A full-page PNG in test-artifacts/screenshots/<name>.png; returns its path. */
  screenshot(name: string): Promise<string>;
}

export interface ChromiumSession {
  context: BrowserContext;
  /** Opens `url` in a new tab, recording its problems from before the first byte. */
  openPage(url: string, opts?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' }): Promise<OpenedPage>;
  /** Closes every tab and the browser, and deletes the profile. */
  close(): Promise<void>;
}

/** What a screenshot may be called: a file name, nothing that climbs out of the folder. */
export function screenshotPath(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  if (!safe) throw new Error(`screenshot name ${JSON.stringify(name)} has no usable character`);
  return path.join(SCREENSHOT_DIR, `${safe}.png`);
}

export async function takeScreenshot(page: Page, name: string): Promise<string> {
  const file = screenshotPath(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const CSP_BINDING = '__somnusCspViolation';

/** Installed before any page script: reports every CSP violation of the document to the test. */
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  window.${CSP_BINDING}({ directive: e.effectiveDirective || e.violatedDirective, blockedURI: e.blockedURI, sourceFile: e.sourceFile, lineNumber: e.lineNumber, sample: e.sample });
});`;

export async function launchChromium(opts: { executablePath?: string } = {}): Promise<ChromiumSession> {
  const executablePath = opts.executablePath ?? CHROMIUM_PATH;
  requireChromium(executablePath);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-chromium-'));
  let context: BrowserContext;
  try {
    // a fresh profile each time (playwright passes it as --user-data-dir): no state from an earlier run
    context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const violations = new Map<Page, CspViolation[]>();
  // bindings and init scripts come in over the DevTools protocol, so the page's own CSP does not stop them
  await context.exposeBinding(CSP_BINDING, ({ page }, v: CspViolation) => void violations.get(page)?.push(v));
  await context.addInitScript(CSP_LISTENER);
  // the persistent context opens a blank tab of its own; tests open theirs
  for (const p of context.pages()) await p.close();

  return {
    context,
    async openPage(url, o = {}) {
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      const pageErrors: string[] = [];
      const cspViolations: CspViolation[] = [];
      violations.set(page, cspViolations);
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()}${m.location().url ? ` (${m.location().url}:${m.location().lineNumber})` : ''}`);
      });
      page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
      const response = await page.goto(url, { waitUntil: o.waitUntil ?? 'load' });
      return {
        page,
        response,
        consoleErrors,
        pageErrors,
        cspViolations,
        problems: () => [
          ...consoleErrors.map((e) => `console error: ${e}`),
          ...pageErrors.map((e) => `uncaught: ${e}`),
          ...cspViolations.map((v) => `CSP violation: ${v.directive} blocked ${v.blockedURI || '(inline)'} at ${v.sourceFile}:${v.lineNumber}${v.sample ? ` "${v.sample}"` : ''}`),
        ],
        screenshot: (name) => takeScreenshot(page, name),
      };
    },
    async close() {
      try {
        await context.close();
      } finally {
        fs.rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
