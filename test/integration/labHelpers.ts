/**
 * Shared helpers for integration tests: skip (with a printed reason) when the lab cannot
 * run here, run the real CLI, read files inside nodes.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { labUnavailableReason, type LabNode } from '../../src/lab/lab.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The bundle, run as `node CLI …` (some suites drive it directly). */
export const CLI = path.join(ROOT, 'dist', 'bin', 'crane-fix.js');
/** The package's bin as users run it (a two-line Node script that imports the bundle, scripts/bundle.mjs). */
export const LAUNCHER = path.join(ROOT, 'dist', 'bin', 'crane-fix');

export const skipReason = labUnavailableReason();
if (skipReason) {
  // Never skip silently: say why in the test output.
  console.warn(`[integration] SKIPPED: ${skipReason}`);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json?: any;
}

/** Runs crane-fix through the package's bin, as installed. */
export function cli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(LAUNCHER, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: any;
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout);
        } catch {
          /* left undefined: the test asserts on it */
        }
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
    child.stdin.on('error', () => {}); // the CLI may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Lines the node's sshd logged for incoming connections: proves whether a run contacted it. */
export function connectionsSeen(n: LabNode): number {
  return (readFileSync(path.join(n.dir, 'sshd.log'), 'utf8').match(/Connection from /g) ?? []).length;
}

/** `s` as a literal inside a RegExp. */
export const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
