/**
 * Issue 19 part 2: the core cycle on nodes whose /bin/sh is not bash. Our remote scripts
 * must be POSIX sh, because Debian/Ubuntu nodes run them with dash and minimal images with
 * busybox ash. For each shell, one lab node (root login) has it as /bin/sh. One more node
 * logs in as `admin` with a non-bash login shell (sshd runs our command line with it) and
 * becomes root with real sudo, with /bin/sh = busybox. Through the built CLI (dist/):
 * apply --dry-run (diff shown, nothing changed) -> apply (changed) -> apply again (no
 * change) -> rollback (byte-, mode- and owner-identical), for two catalogue fixes at once
 * (resolv-conf-trim: `replace`; kubelet-csimigration: `yaml_edit` + a systemd handler).
 *
 * `npm test` runs dash and busybox; scripts/shell-matrix.sh runs every shell
 * (CRANE_FIX_SHELLS="dash bash busybox mksh posh", CRANE_FIX_LOGIN_SHELL=mksh ...).
 * Subnet 26 (helper 19b's 25-29; 25 is the systemd stand-in suite's).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { NODE_SHELLS, SHELL_BINARIES, type NodeShell, type NodeVariant } from '../../src/lab/users.js';
import { kubeletConfig, resolvConf } from '../../src/lab/seed.js';
import { cli, skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-19b-shells';
const RESOLV = '/etc/resolv.conf';
const KUBELET = '/var/lib/kubelet/config.yaml';
const FIXES = ['resolv-conf-trim', 'kubelet-csimigration'];

function shellsFromEnv(name: string, fallback: string): NodeShell[] {
  const list = (process.env[name] ?? fallback).split(/[\s,]+/).filter(Boolean);
  for (const s of list) if (!(NODE_SHELLS as readonly string[]).includes(s)) throw new Error(`${name}: unknown shell ${s} (one of ${NODE_SHELLS.join(', ')})`);
  return list as NodeShell[];
}
const SHELLS = shellsFromEnv('CRANE_FIX_SHELLS', 'dash,busybox');
// busybox cannot be a login shell by its own path: sshd runs `busybox -c …`, and busybox
// takes "-c" for an applet name. Real images with busybox log in through /bin/sh.
const LOGIN = shellsFromEnv('CRANE_FIX_LOGIN_SHELL', 'dash')[0]!;
if (LOGIN === 'busybox') throw new Error('CRANE_FIX_LOGIN_SHELL=busybox: busybox cannot be a login shell by its own path');

interface Target {
  node: LabNode;
  binSh: NodeShell;
  user: 'root' | 'admin';
}

describe.skipIf(skipReason)(`the core cycle with /bin/sh = ${SHELLS.join(', ')} and login shell ${LOGIN}`, () => {
  let lab: LabState;
  let work: string;
  let journal: string;
  let inv: string;
  let targets: Target[];
  const limit = () => targets.map((t) => t.node.name).join(',');
  // --yes as a user would type it; neither fix needs it (both are reversible), so it changes nothing here.
  const args = () => ['apply', '-i', inv, ...FIXES, '--yes', '--limit', limit(), '--journal-dir', journal, '--json'];
  const state = async (n: LabNode) => (await nodeExec(n, `for f in ${RESOLV} ${KUBELET}; do stat -c '%n %F %a %U %G %s' $f; sha256sum $f; done`)).stdout;

  beforeAll(async () => {
    const variants: Record<string, NodeVariant> = {};
    const plan: { binSh: NodeShell; user: Target['user'] }[] = SHELLS.map((binSh) => ({ binSh, user: 'root' }));
    plan.push({ binSh: 'busybox', user: 'admin' });
    plan.forEach((p, i) => {
      const name = `node${String(i + 1).padStart(2, '0')}`;
      variants[name] = p.user === 'admin'
        ? { binSh: p.binSh, user: { name: 'admin', password: 'lab-only-19b', sudo: 'nopasswd', loginShell: SHELL_BINARIES[LOGIN].path } }
        : { binSh: p.binSh };
    });
    lab = await labUp({ nodes: plan.length, dir: DIR, disks: false, subnet: 26, variants });
    targets = plan.map((p, i) => ({ ...p, node: lab.nodes[i]! }));
    work = path.join(DIR, 'work');
    journal = path.join(work, 'journal');
    fs.mkdirSync(journal, { recursive: true });
    // The same affected state on every node: 5 nameservers, no CSIMigration gate; an owner
    // and mode a rewrite could lose.
    for (const t of targets) {
      const resolv = resolvConf({ ...t.node, resolv: 'five' });
      const kubelet = kubeletConfig(undefined, false);
      const b64 = (x: string) => Buffer.from(x).toString('base64');
      await nodeExec(t.node, `echo ${b64(resolv)} | base64 -d > ${RESOLV} && echo ${b64(kubelet)} | base64 -d > ${KUBELET} && chown root:daemon ${KUBELET} && chmod 0640 ${KUBELET} && chmod 0604 ${RESOLV}`);
    }
    const lines = ['[k8s-cluster]'];
    for (const t of targets) lines.push(`${t.node.name} ansible_host=${t.node.ip} ansible_user=${t.user}${t.user === 'admin' ? ' ansible_become=true' : ''}`);
    lines.push('[all:vars]', `ansible_ssh_private_key_file=${lab.privateKey}`, `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'`);
    inv = path.join(work, 'nodes.ini');
    fs.writeFileSync(inv, lines.join('\n') + '\n');
  }, 180_000);

  afterAll(async () => {
    if (lab) await labDown({ dir: DIR });
  });

  it('each node really has its /bin/sh (and the admin node its login shell)', async () => {
    for (const t of targets) {
      const r = await nodeExec(t.node, 'readlink -f /bin/sh; getent passwd admin | cut -d: -f7');
      const [sh, login] = r.stdout.trim().split('\n');
      expect(sh, t.node.name).toBe(SHELL_BINARIES[t.binSh].path);
      if (t.user === 'admin') expect(login).toBe(SHELL_BINARIES[LOGIN].path);
    }
  });

  it('dry-run -> apply -> no-op -> rollback, on every shell', async () => {
    const before = await Promise.all(targets.map((t) => state(t.node)));

    const dry = await cli([...args(), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    for (const t of targets) {
      const h = dry.json.hosts[t.node.name];
      expect(h.status, `${t.node.name} (${t.binSh}) dry-run: ${JSON.stringify(h)}`).toBe('changed');
      const diffs = JSON.stringify(h.tasks.map((x: any) => x.diff ?? null));
      expect(diffs, `${t.node.name} dry-run diff`).toMatch(/-nameserver 10\.100\.21\.241/);
      expect(diffs, `${t.node.name} dry-run diff`).toMatch(/\+\s*CSIMigration: false/);
    }
    expect(await Promise.all(targets.map((t) => state(t.node))), 'a dry-run changed nothing').toEqual(before);

    const ap = await cli(args());
    expect(ap.code, ap.stderr).toBe(0);
    const after = await Promise.all(targets.map((t) => state(t.node)));
    for (const [i, t] of targets.entries()) {
      expect(ap.json.hosts[t.node.name].status, t.node.name).toBe('changed');
      expect(after[i], `${t.node.name} changed`).not.toBe(before[i]);
      // Owner and mode kept by the atomic writes.
      expect(after[i], t.node.name).toContain(`${RESOLV} regular file 604 root root`);
      expect(after[i], t.node.name).toContain(`${KUBELET} regular file 640 root daemon`);
      const text = (await nodeExec(t.node, `grep -c '^nameserver' ${RESOLV}; grep -A1 '^featureGates:' ${KUBELET}`)).stdout;
      expect(text, t.node.name).toMatch(/^3\nfeatureGates:\n\s+CSIMigration: false\n$/);
    }

    const again = await cli(args());
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.summary.changed, again.stderr).toBe(0);
    for (const t of targets) expect(again.json.hosts[t.node.name].status, t.node.name).toBe('ok');
    expect(await Promise.all(targets.map((t) => state(t.node))), 'the second apply changed nothing').toEqual(after);

    const rb = await cli(['rollback', ap.json.runId, '--journal-dir', journal, '--json']);
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(await Promise.all(targets.map((t) => state(t.node))), 'rollback restored bytes, mode and owner').toEqual(before);
  }, 240_000);
});
