/**
 * Runs test cases through the real ansible-core (python3 + ansible installed on this
 * machine) in one batch. Tests that use it are skipped when ansible is not importable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./oracle.py', import.meta.url));
const PY = '/usr/bin/python3';

let available: boolean | undefined;

export function oracleAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(PY, ['-c', 'import ansible.module_utils.basic, ansible.template, yaml'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function oracle(cases: Record<string, unknown>[]): any[] {
  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  // AnsibleModule leaves an ansible-local-* dir in its local temp: give it one of our own.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-oracle-'));
  let r: ReturnType<typeof spawnSync<string>>;
  try {
    r = spawnSync(PY, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ANSIBLE_LOCAL_TEMP: tmp, HOME: process.env.HOME ?? '/tmp' } });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter(Boolean);
  if (lines.length !== cases.length) throw new Error(`oracle answered ${lines.length} of ${cases.length}: ${r.stderr}`);
  return lines.map((l) => JSON.parse(l));
}
