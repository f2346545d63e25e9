/**
 * The start-up snapshot's entry (see scripts/bundle.mjs): run once at build time by
 * `node --build-snapshot`, it loads the CLI and exercises its input path, and V8 saves the
 * resulting heap — modules evaluated, functions compiled — in dist/bin/crane-fix.blob. The
 * launcher (dist/bin/crane-fix) starts `node --snapshot-blob` from it, and `main` below runs
 * the command line.
 *
 * Why: the benchmark (issue 7) counts client CPU per host, and a run's start-up happens before
 * the first connection, on one core, so it adds to the wall time one for one. Loading and
 * compiling the bundle and the first (cold, interpreted) pass over the inventory, playbooks and
 * templates were about half of what crane-fix adds to the SSH floor at 50 hosts.
 *
 * What must not be in a snapshot: ssh2 (a native addon, and WebAssembly: transport/ssh.ts loads
 * it at the first connection), anything about the terminal or the environment read at module
 * load (the commands that need such modules import them lazily, so they are evaluated at run
 * time), and data from the build machine: the warm-up reads only the package's own playbooks
 * and a throwaway inventory, with an empty ssh_config.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { main, runCli, type CommandTable } from './program.js';
import { checkApplyInput } from '../engine/run.js';
import { planTask, type PlanState } from '../engine/plan.js';
import { applyScript, collectFactRequests, gatherScript, type GatherRequest } from '../engine/remoteScript.js';
import type { FileState, Op } from '../modules/types.js';
import { registerApply } from './apply.js';
import { PLAYBOOK_DIR } from '../engine/targets.js';

/**
 * apply and rollback only: the launcher starts every other command from the plain bundle. A
 * snapshot's whole heap is read at every start (~9 ms per MB here), and the other commands
 * would more than double it (the guide's prompts, the bilingual catalogue, the scheduler).
 */
const COMMANDS: CommandTable = { apply: async () => registerApply };

/** dist/bin at build time; the launcher uses the snapshot only from this same folder. */
const BIN_DIR = path.dirname(fileURLToPath(import.meta.url));

const WARM_VARS = { dns_cluster_ip: '10.9.0.10', service_cluster_ip_range: '10.96.0.0/12', kube_proxy_node_port_addresses: '10.0.0.0/8', resolv_nameserver: '10.0.0.2' };

/** A file for every path the tasks read, with lines the catalogue's fixes look for. */
const MADE_UP = [
  '# crane-fix snapshot warm-up: made-up content',
  'search cluster.local svc.cluster.local',
  ...[1, 2, 3, 4, 5].map((i) => `nameserver 10.0.0.${i}`),
  'options ndots:5',
  'Environment="KUBELET_DNS_ARGS=--cluster-dns=10.96.0.10 --cluster-domain=cluster.local"',
  'clusterDNS:',
  '- 10.96.0.10',
  'featureGates:',
  '  CSIMigration: false',
  '',
].join('\n');

function madeUpFacts(req: GatherRequest): PlanState {
  const sha256 = createHash('sha256').update(MADE_UP).digest('hex');
  const files = new Map<string, FileState>(req.files.map((p) => [p, { path: p, exists: true, type: 'file', mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root', content: MADE_UP, sha256 }]));
  const commands = new Map(req.commands.map((c) => [c.key, { rc: 0, stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\n', stderr: '' }]));
  return { files, commands, hostFacts: {}, diffs: true };
}

/**
 * Runs typical `apply --syntax-check` command lines (output discarded by the build), then plans
 * the catalogue's tasks against made-up facts.
 */
async function warmUp(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-warmup-'));
  try {
    const key = path.join(tmp, 'id_ed25519');
    const sshConfig = path.join(tmp, 'ssh_config');
    fs.writeFileSync(key, '');
    fs.writeFileSync(sshConfig, '');
    const hosts = Array.from({ length: 8 }, (_, i) => `node${String(i + 1).padStart(2, '0')} ansible_host=127.0.0.${i + 11}${i % 4 === 2 ? ' kubernetes_ctl_path=/opt/crane/bin' : ''}`);
    const ini = path.join(tmp, 'nodes.ini');
    fs.writeFileSync(
      ini,
      `[kube-master]\n${hosts.slice(0, 3).join('\n')}\n\n[kube-node]\n${hosts.slice(3).join('\n')}\n\n[k8s-cluster:children]\nkube-master\nkube-node\n\n` +
        `[all:vars]\nansible_ssh_user=root\nansible_ssh_private_key_file=${key}\nansible_ssh_port=22\n` +
        `ansible_ssh_common_args='-o UserKnownHostsFile=${tmp}/known_hosts -o StrictHostKeyChecking=yes'\n`,
    );
    const yml = path.join(tmp, 'inventory.yaml');
    fs.writeFileSync(
      yml,
      `all:\n  vars:\n    ansible_ssh_user: root\n    ansible_ssh_private_key_file: ${key}\n  children:\n    k8s-cluster:\n      hosts:\n` +
        hosts.map((h) => `        ${h.split(' ')[0]}:\n          ansible_host: ${h.split('=')[1]!.split(' ')[0]}\n`).join(''),
    );
    const playbooks = fs.readdirSync(PLAYBOOK_DIR).filter((f) => f.endsWith('.yaml')).sort();
    const vars = Object.entries(WARM_VARS).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    for (const inv of [ini, yml]) {
      for (const pb of playbooks) {
        process.argv = [process.execPath, path.join(BIN_DIR, 'crane-fix'), 'apply', '--syntax-check', '-i', inv, '--ssh-config', sshConfig, path.join(PLAYBOOK_DIR, pb), ...vars];
        await main(COMMANDS); // a playbook that needs other vars fails its check: still warmed up to there
      }
    }
    // Then what every host goes through after its facts arrive: planning (dry-run and apply,
    // with diffs), the gather and apply scripts — against made-up facts, nothing is run.
    let planned = 0;
    for (const pb of playbooks) {
      let checked;
      try {
        checked = checkApplyInput({ inventory: ini, targets: [path.join(PLAYBOOK_DIR, pb)], extraVars: WARM_VARS, sshConfig });
      } catch {
        continue; // needs vars the warm-up does not give
      }
      for (const pp of checked.prepared) {
        const host = pp.hosts[0];
        const ph = host === undefined ? undefined : pp.perHost.get(host);
        if (!ph) continue;
        const all = [...ph.tasks, ...ph.handlers, ...ph.verify];
        const req = collectFactRequests(all.flatMap((t) => t.facts));
        gatherScript(req);
        for (const check of [true, false]) {
          const state = madeUpFacts(req);
          const ops: { op: Op; before?: FileState }[] = [];
          for (const t of all) {
            try {
              for (const op of planTask(t, state, check).ops) ops.push({ op, before: op.op === 'exec' ? undefined : state.files.get(op.path) });
              planned++;
            } catch {
              /* made-up facts a module rejects: warmed up to there */
            }
          }
          if (ops.length) applyScript(ops.map((o, id) => ({ id, ...o })));
        }
      }
    }
    // A warm-up that plans nothing is broken (a renamed playbook, a changed API): say so at build.
    if (!planned) throw new Error('snapshot warm-up planned no task');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exitCode = undefined;
  }
}

if (!v8.startupSnapshot.isBuildingSnapshot()) {
  throw new Error('snapshot.ts is the entry of `node --build-snapshot` (scripts/bundle.mjs), not a program to run');
}
v8.startupSnapshot.setDeserializeMainFunction(() => {
  // Started as `node --snapshot-blob crane-fix.blob <args>`: argv has no script path, so put
  // the launcher's there, as a script run would have it (commander and the journal read argv).
  process.argv.splice(1, 0, path.join(BIN_DIR, 'crane-fix'));
  runCli(COMMANDS, 'start-up snapshot');
});
void warmUp();
