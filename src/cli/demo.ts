/**
 * `npm run demo`: the README's first command. Brings up a 3-node lab, runs the real CLI —
 * dry-run of the ClusterIP-DNS fix (diffs), apply, re-run (0 changed), rollback — tears the
 * lab down, and says what it showed, using only what the commands actually reported.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labDown, labUp, labUnavailableReason, nodeExec, readLabState } from '../lab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// The CLI next to this file: dist/bin/crane-fix.js (bundle) or dist/cli/main.js (tsc output).
const cli = ['crane-fix.js', 'main.js'].map((f) => path.join(here, f)).find((f) => fs.existsSync(f)) ?? path.join(here, 'main.js');
const LAB_DIR = '/tmp/crane-fix-demo';

interface Json {
  runId: string;
  hosts: Record<string, { status: string; tasks: { name: string; changed: boolean; diff?: string }[]; sessions?: number }>;
  summary: Record<string, number>;
}

function step(title: string, args: string[]): { code: number; json?: Json } {
  console.log(`\n\x1b[1m$ crane-fix ${args.join(' ')}\x1b[0m   # ${title}`);
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  process.stdout.write(r.stderr); // human output
  let json: Json | undefined;
  try {
    json = JSON.parse(r.stdout) as Json;
  } catch {
    /* not every command prints JSON on failure */
  }
  console.log(`(exit ${r.status})`);
  return { code: r.status ?? 1, json };
}

async function main(): Promise<number> {
  const why = labUnavailableReason();
  if (why) {
    console.error(`demo: cannot run the lab here: ${why}`);
    return 1;
  }
  if (await readLabState(LAB_DIR)) await labDown({ dir: LAB_DIR });
  console.log('demo: bringing up a 3-node lab (real sshd per node, own /etc and /var, 127.0.0.11-13) …');
  const lab = await labUp({ nodes: 3, dir: LAB_DIR });
  const journal = path.join(LAB_DIR, 'journal');
  const base = ['-i', lab.inventoryIni, '--journal-dir', journal];
  const file = '/var/lib/kubelet/config.yaml';
  const readAll = async () => Promise.all(lab.nodes.map(async (n) => (await nodeExec(n, `sha256sum ${file} /etc/systemd/system/kubelet.service.d/10-kubelet.conf`)).stdout));
  const facts: string[] = [];
  try {
    const before = await readAll();
    const dry = step('dry-run: show the exact diffs, change nothing', ['apply', ...base, 'clusterip-dns', '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run']);
    const afterDry = await readAll();
    const dryDiffs = dry.json ? Object.values(dry.json.hosts).flatMap((h) => h.tasks.filter((t) => t.diff)).length : 0;
    facts.push(`dry-run planned ${dryDiffs} file diffs and changed ${before.every((b, i) => b === afterDry[i]) ? 'no byte' : 'SOMETHING (unexpected!)'} on the nodes`);

    const ap = step('apply: rolling, guarded atomic writes, handler restarts kubelet, verify gate', ['apply', ...base, 'clusterip-dns', '-e', 'dns_cluster_ip=10.9.0.10']);
    const changedHosts = ap.json ? Object.values(ap.json.hosts).filter((h) => h.status === 'changed').length : 0;
    const grep = await Promise.all(lab.nodes.map(async (n) => (await nodeExec(n, `grep -c 10.9.0.10 ${file}`)).stdout.trim()));
    facts.push(`apply changed ${changedHosts}/${lab.nodes.length} hosts (exit ${ap.code}); ${file} now names 10.9.0.10 on ${grep.filter((g) => g === '1').length} nodes`);

    const again = step('re-run: idempotent, nothing to change', ['apply', ...base, 'clusterip-dns', '-e', 'dns_cluster_ip=10.9.0.10']);
    const changedAgain = again.json ? Object.values(again.json.hosts).reduce((a, h) => a + h.tasks.filter((t) => t.changed).length, 0) : -1;
    const sessions = again.json ? Math.max(...Object.values(again.json.hosts).map((h) => h.sessions ?? 0)) : -1;
    facts.push(`re-run changed ${changedAgain} tasks, using at most ${sessions} SSH session(s) per host`);

    if (ap.json) {
      const rb = step('rollback: restore every file byte for byte, re-run the rollback hooks', ['rollback', ap.json.runId, '--journal-dir', journal]);
      const afterRb = await readAll();
      facts.push(`rollback (exit ${rb.code}) left ${afterRb.filter((a, i) => a === before[i]).length}/${lab.nodes.length} nodes byte-identical to before the demo`);
    }
  } finally {
    const d = await labDown({ dir: LAB_DIR });
    facts.push(`lab down: ${d.killed} processes stopped, ${d.loopsDetached} loop devices detached${d.leftovers.length ? `, LEFT: ${d.leftovers.join(', ')}` : ''}`);
    fs.rmSync(LAB_DIR, { recursive: true, force: true });
  }
  console.log('\n\x1b[1mWhat this demo just showed\x1b[0m');
  for (const f of facts) console.log(`  - ${f}`);
  return 0;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(`demo failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
