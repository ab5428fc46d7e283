import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FunctionSpec } from '@somnus/models';
import { esbuildBuilder, REPO_ROOT } from '../../build';

/**
 * A function as GCP runs it (docs/architecture.md §5.3): the archive infra/build.ts makes for `pulumi up`,
 * started by functions-framework's own CLI (what the Node.js buildpack launches), with functions-framework
 * resolved from the function's dependencies as the buildpack installs it. Nothing of the test harness
 * (getTestServer, the gateway) is in the way, so what this process does is what a deployed instance does.
 */
export interface DeployedFunction {
  url: string;
  pid: number;
  /** Peak resident memory of the function's process so far, in bytes (Linux: VmHWM). */
  peakRss(): number;
  /** Current resident memory, in bytes (Linux: VmRSS). */
  rss(): number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the function exited with ${child.exitCode} before listening`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the function did not listen on ${port} within ${timeoutMs} ms`);
}

/** Builds the function's archive into `outDir` as `pulumi up` would; returns the archive's folder. */
export function buildArchive(spec: FunctionSpec, outDir: string): string {
  esbuildBuilder({ outDir }).functionSource(spec);
  return path.join(outDir, 'functions', spec.name);
}

/** Builds the archive into a temporary folder and starts it; stop() removes the folder. */
export async function startDeployedFunction(spec: FunctionSpec, env: Record<string, string> = {}): Promise<DeployedFunction> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-deployed-'));
  try {
    const fn = await startArchive(spec, buildArchive(spec, outDir), env);
    return { ...fn, stop: async () => (await fn.stop(), fs.rmSync(outDir, { recursive: true, force: true })) };
  } catch (err) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw err;
  }
}

/** Starts a built archive (`dir`) the way the Node.js buildpack does: functions-framework's CLI, targeting the entry point. */
export async function startArchive(spec: FunctionSpec, dir: string, env: Record<string, string> = {}): Promise<DeployedFunction> {
  // the buildpack installs functions-framework next to the bundle; here it is the function's own dependency
  const modules = path.join(REPO_ROOT, spec.source, 'node_modules');
  const frameworkMain = path.join(fs.realpathSync(path.join(modules, '@google-cloud', 'functions-framework')), 'build', 'src', 'main.js');
  const port = await freePort();
  const child = spawn(process.execPath, [frameworkMain, `--target=${spec.entryPoint}`, '--signature-type=http', `--port=${port}`, `--source=${dir}`], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_PATH: modules, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    await waitForPort(port, child, 15_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  const pid = child.pid!;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    peakRss: () => procStatusBytes(pid, 'VmHWM'),
    rss: () => procStatusBytes(pid, 'VmRSS'),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
