/**
 * A malformed inventory stops crane-fix before any host is contacted (issue 20): a bad INI
 * section, a tab in YAML, a host in two ranges, a cycle in :children / children: — each is
 * exit 1 with file:line:col and what to do, for `apply --dry-run`, `apply --yes`, `check`
 * and `inventory --list` alike. The proof is the lab nodes' own sshd logs
 * ("Connection from" lines, counted before and after every run; a good inventory moves the
 * count, so the counter works). Each inventory is the lab's own (real addresses, real key)
 * plus the one defect. Lab: subnet 30, /tmp/crane-fix-20-malformed. Ansible's own reading of
 * each file is checked too when ansible-inventory is installed (same line where it names one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labDown, labUp, type LabState } from '../../src/lab/lab.js';
import { runProc, which } from '../parity/harness.js';
import { cli, skipReason, connectionsSeen, esc } from './labHelpers.js';

const DIR = '/tmp/crane-fix-20-malformed';
const SUBNET = 30;
const work = path.join(DIR, 'work');

interface Case {
  name: string;
  file: string;
  /** The inventory text, from the lab's INI inventory (host lines `nodeNN ansible_host=…`, [all:vars] with the key). */
  text: (labIni: string, ips: string[]) => string;
  line: number;
  col: number;
  says: RegExp;
  /** What ansible-inventory says about the same file (its stderr, whitespace removed), when it names the defect. */
  ansible?: RegExp;
}

/** [all:vars] of the lab inventory (user, port, key, known hosts): the rest is written per case. */
const allVars = (labIni: string) => labIni.slice(labIni.indexOf('[all:vars]'));

const CASES: Case[] = [
  {
    name: 'bad INI section type',
    file: 'bad-section.ini',
    text: (ini, ips) => `[kube-master]\nnode01 ansible_host=${ips[0]}\n\n[kube-node:child]\nnode02 ansible_host=${ips[1]}\n\n${allVars(ini)}`,
    line: 4,
    col: 12,
    says: /section \[kube-node:child\] has unknown type: child \(expected children or vars\)/,
    ansible: /bad-section\.ini:4:Section\[kube-node:child\]hasunknowntype:child/,
  },
  {
    name: 'a tab in a YAML inventory',
    file: 'tab.yaml',
    text: (_ini, ips) => `all:\n  children:\n    kube-master:\n      hosts:\n        node01:\n          ansible_host: ${ips[0]}\n    kube-node:\n      hosts:\n\tnode02:\n          ansible_host: ${ips[1]}\n`,
    line: 9,
    col: 1,
    says: /Tabs are not allowed as indentation \(YAML indents with spaces only: replace the tab with spaces\)/,
    ansible: /tab\.yaml':line9,column1/,
  },
  {
    name: 'a host in two ranges of one group',
    file: 'ranges.ini',
    text: (ini, ips) => `[kube-node]\nnode[01:02] ansible_host=${ips[0]}\nnode[02:03] ansible_host=${ips[1]}\n\n${allVars(ini)}`,
    line: 3,
    col: 1,
    says: /host 'node02' of group 'kube-node' is in two ranges, 'node\[01:02\]' \(line 2\) and 'node\[02:03\]': Ansible merges them \(the later line's vars win for the hosts they share\); make the ranges disjoint/,
    // Ansible accepts it silently: node02 takes the second line's address.
  },
  {
    name: 'a cycle in INI :children',
    file: 'cycle.ini',
    text: (ini, ips) => `[kube-master]\nnode01 ansible_host=${ips[0]}\n\n[kube-node]\nnode02 ansible_host=${ips[1]}\n\n[k8s-cluster:children]\nkube-master\nkube-node\n\n[kube-node:children]\nk8s-cluster\n\n${allVars(ini)}`,
    line: 12,
    col: 1,
    says: /adding group 'k8s-cluster' as child to 'kube-node' creates a recursive dependency loop \(the loop: k8s-cluster > kube-node > k8s-cluster\); remove 'k8s-cluster' from the children of 'kube-node'/,
    ansible: /Addinggroup'k8s-cluster'aschildto'kube-node'createsarecursivedependencyloop/,
  },
  {
    name: 'a cycle in YAML children',
    file: 'cycle.yaml',
    text: (_ini, ips) => `all:\n  children:\n    k8s-cluster:\n      children:\n        kube-node:\n          hosts:\n            node02: {ansible_host: ${ips[1]}}\n          children:\n            k8s-cluster:\n`,
    // Groups are linked on the way back up (Ansible's yaml plugin too): the loop closes at kube-node's entry.
    line: 5,
    col: 9,
    says: /adding group 'kube-node' as child to 'k8s-cluster' creates a recursive dependency loop \(the loop: kube-node > k8s-cluster > kube-node\); remove 'kube-node' from the children of 'k8s-cluster'/,
    ansible: /Addinggroup'kube-node'aschildto'k8s-cluster'createsarecursivedependencyloop/,
  },
];

const noAnsible = which('ansible-inventory') ? undefined : 'ansible-inventory is not installed';
if (noAnsible && !skipReason) console.warn(`[malformed-inventory] Ansible's reading SKIPPED: ${noAnsible}`);

describe.skipIf(skipReason)('a malformed inventory: exit 1, file:line:col, no host contacted (issue 20)', () => {
  let lab: LabState;
  let journal: string;
  const files = new Map<string, string>();

  beforeAll(async () => {
    lab = await labUp({ nodes: 2, dir: DIR, disks: false, subnet: SUBNET });
    journal = path.join(work, 'journal');
    fs.mkdirSync(journal, { recursive: true });
    const ini = fs.readFileSync(lab.inventoryIni, 'utf8');
    const ips = lab.nodes.map((n) => n.ip);
    for (const c of CASES) {
      const p = path.join(work, c.file);
      fs.writeFileSync(p, c.text(ini, ips));
      files.set(c.name, p);
    }
  }, 120_000);

  afterAll(async () => {
    await labDown({ dir: DIR });
  });

  const runs = (inv: string): [string, string[]][] => [
    ['apply --dry-run', ['apply', '-i', inv, 'resolv-conf-trim', '--dry-run', '--journal-dir', journal]],
    ['apply --yes', ['apply', '-i', inv, 'resolv-conf-trim', '--yes', '--journal-dir', journal]],
    ['check', ['check', '-i', inv, 'resolv-conf-trim']],
    ['inventory --list', ['inventory', '-i', inv, '--list']],
  ];

  it('the lab inventory itself does contact both nodes (the counter works)', async () => {
    const before = lab.nodes.map(connectionsSeen);
    const r = await cli(['apply', '-i', lab.inventoryIni, 'resolv-conf-trim', '--dry-run', '--journal-dir', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const after = lab.nodes.map(connectionsSeen);
    lab.nodes.forEach((_, i) => expect(after[i]!, lab.nodes[i]!.name).toBeGreaterThan(before[i]!));
  });

  for (const c of CASES) {
    describe(c.name, () => {
      for (const [label, args] of runs('@')) {
        it(`${label}: exit 1 at ${c.file}:${c.line}:${c.col} saying what to do, and no sshd saw a connection`, async () => {
          const inv = files.get(c.name)!;
          const before = lab.nodes.map(connectionsSeen);
          const r = await cli(args.map((a) => (a === '@' ? inv : a)), { timeoutMs: 30_000 });
          const out = `exit ${r.code}\nstderr: ${r.stderr.slice(0, 1500)}`;
          expect(r.code, out).toBe(1);
          expect(r.stderr, out).toMatch(new RegExp(`${esc(inv)}:${c.line}:${c.col}: `));
          expect(r.stderr, out).toMatch(c.says);
          expect(r.stderr, out).not.toMatch(/internal error|Unhandled|\n\s+at .*\.js:\d+/);
          expect(r.stdout).toBe('');
          // Both nodes are real sshd's on subnet 30: each logs every connection it accepts.
          expect(lab.nodes.map(connectionsSeen), `a node was contacted\n${out}`).toEqual(before);
        }, 40_000);
      }
      it.skipIf(noAnsible)(c.ansible ? 'ansible-inventory refuses it too, naming the same defect' : 'ansible-inventory accepts it silently (why crane-fix refuses it)', async () => {
        const r = await runProc('ansible-inventory', ['-i', files.get(c.name)!, '--list'], {
          env: { ANSIBLE_INVENTORY_ENABLED: c.file.endsWith('.yaml') ? 'yaml' : 'ini', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_NOCOLOR: '1', PYTHONDONTWRITEBYTECODE: '1' },
          timeoutMs: 60_000,
        });
        if (c.ansible) {
          expect(r.code, r.stderr).not.toBe(0);
          expect(r.stderr.replace(/\s+/g, '')).toMatch(c.ansible);
        } else {
          expect(r.code, r.stderr).toBe(0);
          expect(JSON.parse(r.stdout)['kube-node'].hosts).toEqual(['node01', 'node02', 'node03']);
        }
      }, 60_000);
    });
  }
});
