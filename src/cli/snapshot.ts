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
import { main, type CommandTable } from './program.js';
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

/** Runs typical `apply --syntax-check` command lines, output discarded by the build. */
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
    const vars = ['-e', 'dns_cluster_ip=10.9.0.10', '-e', 'service_cluster_ip_range=10.96.0.0/12', '-e', 'kube_proxy_node_port_addresses=10.0.0.0/8', '-e', 'resolv_nameserver=10.0.0.2'];
    for (const inv of [ini, yml]) {
      for (const pb of playbooks) {
        process.argv = [process.execPath, path.join(BIN_DIR, 'crane-fix'), 'apply', '--syntax-check', '-i', inv, '--ssh-config', sshConfig, path.join(PLAYBOOK_DIR, pb), ...vars];
        await main(COMMANDS); // a playbook that needs other vars fails its check: still warmed up to there
      }
    }
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
  // Which start-up ran (the benchmark records it; tests assert it).
  if (process.env.CRANE_FIX_STARTUP_INFO) process.stderr.write('crane-fix: started from the start-up snapshot\n');
  main(COMMANDS).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`crane-fix: ${String(err)}\n`);
      process.exit(70);
    },
  );
});
void warmUp();
