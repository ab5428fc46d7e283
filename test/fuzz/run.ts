/**
 * `pnpm fuzz [--n 20000] [--seed S]`: a long fuzz campaign (test/fuzz/campaign.ts) against the whole stack
 * on a throw-away Postgres, as the test suite runs it. Prints progress, one line per distinct failure with
 * the first case that showed it (replay: the same seed and --n; the first 20 failures are also printed as
 * they happen), and last `N passed, M failed`. Exits 1 on
 * any failure.
 */
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { runCampaign, startFuzzTarget, summarizeFailures } from './campaign';

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const at = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return fallback;
  const raw = args[at]!.includes('=') ? args[at]!.split('=')[1] : args[at + 1];
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} wants a whole number, not ${raw}`);
  return value;
}

async function main(): Promise<number> {
  const n = option('n', 2000);
  const seed = option('seed', Date.now() % 2 ** 31);
  process.env.LOG_LEVEL ??= 'error';
  console.log(`fuzz: ${n} cases, seed ${seed}`);
  await globalSetup();
  let target: Awaited<ReturnType<typeof startFuzzTarget>> | undefined;
  try {
    target = await startFuzzTarget();
    const started = Date.now();
    let failed = 0;
    const report = await runCampaign(target, {
      numRuns: n,
      seed,
      onCase: (r) => {
        // the first failures as they come: a long campaign that dies later still said what it found
        if (r.violations.length && ++failed <= 20) console.log(`FAIL case ${r.index}: ${r.description} → ${r.violations.map((v) => `${v.kind}: ${v.detail}`).join('; ')}`);
        if ((r.index + 1) % 500 === 0) console.log(`  ${r.index + 1}/${n} (${failed} failed, ${Math.round((Date.now() - started) / 1000)} s)`);
      },
    });
    const statuses = [...report.coverage.statuses.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(`answers: ${statuses.map(([s, k]) => `${s}×${k}`).join(' ')}`);
    for (const line of summarizeFailures(report.failures, seed)) console.log(`FAIL ${line}`);
    console.log(`${report.passed} passed, ${report.failed} failed`);
    return report.failed === 0 ? 0 : 1;
  } finally {
    await target?.stop();
    await globalTeardown();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
