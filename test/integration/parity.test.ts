/**
 * Ansible parity (issue 9): the same playbook files, run by `ansible-playbook` on one twin lab
 * node and by `crane-fix apply` on the other (same-shaped inventories: same host names,
 * groups and vars, different ansible_host), must
 *   - report the same per-task status (changed / ok / skipped / failed) in check mode
 *     (`--check --diff` vs `--dry-run`), in apply, and in a second apply;
 *   - print the same diff bodies (check and apply);
 *   - leave every file of the case byte-identical (content, mode, owner, group, link target);
 *   - make the same state-changing `systemctl` calls (the lab's recording stand-in).
 * Cases: test/parity/cases (module cases) and playbooks/ (the catalogue). Deliberate
 * differences are pinned per case and explained in docs/parity.md; crane-fix bugs found here
 * are `it.fails` cases whose notes say what is wrong (they turn red when fixed: drop `bug:`).
 *
 * Cost: ansible-playbook needs ~0.2-0.5 s per task, so the cases that run through share three
 * invocations per pass (three slots, run side by side); a case with a failing task needs
 * invocations of its own (a failed host ends Ansible's run of later playbook files). Needs root (lab) and ansible-playbook;
 * skipped with the reason otherwise. PARITY_KEEP=1 keeps the generated files and reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { labDown, labUp, nodeExec, type LabNode, type LabState } from '../../src/lab/lab.js';
import { systemctlCalls } from '../../src/lab/faults.js';
import { nodeSpec } from '../../src/lab/layout.js';
import { seedFiles } from '../../src/lab/seed.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { skipReason } from './labHelpers.js';
import {
  alignIgnored,
  ansibleEnv,
  ansibleHasModule,
  ansibleResults,
  CASE_ROOT,
  caseFiles,
  caseInventory,
  caseResults,
  CASES_DIR,
  closeControlMasters,
  CLI,
  commonVarsIni,
  craneResults,
  diffPairs,
  loadCases,
  mutatingCalls,
  parseAnsibleJson,
  PARITY_DIR,
  ROOT,
  runProc,
  setupNode,
  snapshotNode,
  statusPairs,
  which,
  writeText,
  type AnsibleEnv,
  type CraneJson,
  type NodeSetup,
  type ParityCase,
  type Slot,
  type Snapshot,
  type TaskResult,
} from '../parity/harness.js';
import { assignShards, isolated, type JobRun } from '../parity/shards.js';

const LAB_DIR = '/tmp/crane-fix-test-parity';
const SUBNET = 8;
const DOCS = join(ROOT, 'docs', 'parity.md');
const CPU = process.env.PARITY_CPU === '1' && existsSync('/usr/bin/time');

const why = skipReason ?? (which('ansible-playbook') ? undefined : 'ansible-playbook is not installed (CRANE_FIX_WITH_ANSIBLE=1 bash scripts/setup.sh installs ansible-core)');
if (why && !skipReason) console.warn(`[parity] SKIPPED: ${why}`);

type Pass = 'check' | 'apply' | 'again';
const PASSES: Pass[] = ['check', 'apply', 'again'];
const PASS_LABEL: Record<Pass, string> = { check: '--check --diff vs --dry-run', apply: 'apply', again: 'second apply' };

/** One invocation pair: the same playbook files through both tools. */
interface Job {
  id: string;
  invA: string;
  invB: string;
  pbsA: string[];
  pbsB: string[];
  extra: string[];
}

interface PassResult {
  jobs: Map<string, JobRun>;
  snapA: Snapshot;
  snapB: Snapshot;
  callsA: Record<string, string[]>;
  callsB: Record<string, string[]>;
}

/** Catalogue playbooks Ansible can run here, and why the others are left out (docs/parity.md). */
// In this order on one command line. ctl-path goes last: on a node whose binaries are not in
// the default /usr/local/bin its link task fails (both tools), and in Ansible a failed host
// ends the run of later playbook files.
const CATALOGUE_RUNNABLE = ['apiserver-service-cidr', 'calico-tunl0', 'clusterip-dns', 'docker-storage-driver', 'istio-init-prune', 'resolv-conf-nameserver', 'resolv-conf-trim', 'ctl-path'];
const CATALOGUE_EXCLUDED: Record<string, string> = {
  'drop-caches': 'drop_caches is a crane-fix module (no Ansible twin)',
  'kube-proxy-nodeport-addresses': 'yaml_edit is a crane-fix module (no Ansible twin)',
  'kubelet-csimigration': 'yaml_edit is a crane-fix module (no Ansible twin)',
  'hostname-lowercase': "Ansible's hostname module uses hostnamectl on systemd hosts; the lab has no systemd-hostnamed",
  'xfs-ftype': 'filesystem needs community.general and a real block device (the parity lab has no disks); it erases the device',
};
const CATALOGUE_VARS = ['-e', 'dns_cluster_ip=10.9.0.10', '-e', 'service_cluster_ip_range=10.9.0.0/16', '-e', 'resolv_nameserver=10.100.20.105', '-e', 'calico_type=Off'];
const CRANE_KEYS_PLAY = ['verify', 'rollback'];
const CRANE_KEYS_TASK = ['irreversible'];

const ALL_CASES: ParityCase[] = loadCases();

/** Removes crane-fix's own keys (play `verify`/`rollback`, task `irreversible`), keeping the rest of the text as it is. */
function stripCraneKeys(text: string): { text: string; removed: string[] } {
  const doc = parseDocument(text, { version: '1.1' });
  const removed: string[] = [];
  for (const play of (doc.contents as { items?: unknown[] } | null)?.items ?? []) {
    const p = play as { delete(k: string): boolean; get(k: string): unknown };
    for (const k of CRANE_KEYS_PLAY) if (p.delete(k)) removed.push(k);
    for (const section of ['tasks', 'handlers']) {
      for (const t of (p.get(section) as { items?: unknown[] } | undefined)?.items ?? []) {
        for (const k of CRANE_KEYS_TASK) if ((t as { delete(k: string): boolean }).delete(k)) removed.push(k);
      }
    }
  }
  return { text: doc.toString({ lineWidth: 0 }), removed };
}

describe.skipIf(why)('Ansible parity: ansible-playbook and crane-fix on twin lab nodes', () => {
  let lab: LabState;
  let tmp: string;
  let aenv: AnsibleEnv;
  let slots: Slot[];
  const unmet = new Map<string, string>(); // case id -> why it cannot run here
  const timings: string[] = [];

  // The cases that run through are shared out over SHARDS slots (p01…), one invocation each,
  // run side by side (ansible-playbook is latency-bound: one run uses ~half of 2 cores);
  // each isolated case gets a slot of its own.
  const SHARDS = 3;
  const SLOTS = Math.max(SHARDS + ALL_CASES.filter(isolated).length, 5);
  const slotName = (i: number) => `p${String(i + 1).padStart(2, '0')}`;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'crane-fix-parity-'));
    aenv = ansibleEnv(join(tmp, 'ansible'));
    const t0 = Date.now();
    lab = await labUp({ nodes: 2 * SLOTS, dir: LAB_DIR, disks: false, subnet: SUBNET });
    slots = Array.from({ length: SLOTS }, (_, i) => ({ name: slotName(i), a: lab.nodes[i]!, b: lab.nodes[SLOTS + i]! }));
    timings.push(`lab up (${2 * SLOTS} nodes): ${Date.now() - t0} ms`);
    for (const n of new Set(ALL_CASES.flatMap((c) => c.notes.needs ?? []))) {
      const ok = n === 'ansible.posix' ? await ansibleHasModule('ansible.posix.sysctl') : false;
      if (!ok) {
        for (const c of ALL_CASES.filter((x) => x.notes.needs?.includes(n))) {
          unmet.set(c.id, `the Ansible side lacks ${n} (apt-get install ansible, or ansible-galaxy collection install ${n})`);
        }
      }
    }
    for (const [id, reason] of unmet) console.warn(`[parity] case ${id} SKIPPED: ${reason}`);
  }, 120_000);

  afterAll(async () => {
    if (aenv) await closeControlMasters(aenv);
    await labDown({ dir: LAB_DIR });
    if (tmp && process.env.PARITY_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
    else if (tmp) console.log(`[parity] kept ${tmp}`);
    if (timings.length) console.log(`[parity] timings:\n  ${timings.join('\n  ')}`);
  });

  const keys = () => ({ privateKey: lab.privateKey, knownHosts: lab.knownHosts });

  async function runJob(pass: Pass, job: Job): Promise<JobRun> {
    const journal = join(tmp, 'journal');
    const ansibleArgs = ['-i', job.invA, ...job.pbsA, ...job.extra, ...(pass === 'check' ? ['--check', '--diff'] : ['--diff'])];
    // --diff on every pass, as Ansible gets it: an apply shows diffs only when asked, in both tools.
    const craneArgs = [CLI, 'apply', '-i', job.invB, ...job.pbsB, ...job.extra, '--json', '--diff', '--yes', '--no-rollback', '--forks', '40', '--journal-dir', journal];
    if (pass === 'check') craneArgs.push('--dry-run');
    // PARITY_CPU=1: also account CPU seconds (controller: /usr/bin/time; nodes: their sshd's).
    const timed = (cmd: string, args: string[]): [string, string[]] => (CPU ? ['/usr/bin/time', ['-f', 'PARITY_CPU %U %S', cmd, ...args]] : [cmd, args]);
    const [a, c] = await Promise.all([
      runProc(...timed('ansible-playbook', ansibleArgs), { env: aenv.env, cwd: tmp, timeoutMs: 420_000 }),
      runProc(...timed(process.execPath, craneArgs), { cwd: tmp, timeoutMs: 420_000 }),
    ]);
    const cpu = (err: string) => {
      const m = /PARITY_CPU ([\d.]+) ([\d.]+)\s*$/.exec(err);
      return m ? ` (${(Number(m[1]) + Number(m[2])).toFixed(1)} s CPU)` : '';
    };
    timings.push(`${pass} ${job.id}: ansible-playbook ${a.ms} ms${cpu(a.stderr)}, crane-fix ${c.ms} ms${cpu(c.stderr)}`);
    writeText(join(tmp, 'reports', `${pass}-${job.id}-ansible.txt`), `${a.stdout}\n--- stderr\n${a.stderr}`);
    writeText(join(tmp, 'reports', `${pass}-${job.id}-crane.txt`), `${c.stdout}\n--- stderr\n${c.stderr}`);
    const run: JobRun = { ansible: new Map(), crane: new Map(), ansibleCode: a.code, craneCode: c.code, stderr: `ansible-playbook:\n${a.stderr.slice(-1500)}\ncrane-fix:\n${c.stderr.slice(-1500)}` };
    try {
      run.ansible = ansibleResults(parseAnsibleJson(a.stdout));
    } catch (e) {
      run.error = new Error(`ansible-playbook (${pass}, ${job.id}) exit ${a.code}: ${(e as Error).message}\n${a.stderr.slice(-3000)}`);
    }
    try {
      run.crane = craneResults(JSON.parse(c.stdout) as CraneJson);
    } catch {
      run.error ??= new Error(`crane-fix (${pass}, ${job.id}) exit ${c.code}, no JSON report:\n${c.stderr.slice(-3000)}`);
    }
    return run;
  }

  /** Runs the jobs (a few at a time), then snapshots every slot on both sides. */
  /** CPU seconds the nodes' sshd (and the sessions it reaped) used so far, per side. */
  function nodeCpu(): { a: number; b: number } {
    const ticks = (pid: number) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return [11, 12, 13, 14].reduce((t, i) => t + Number(f[i]), 0) / 100;
      } catch {
        return 0;
      }
    };
    return { a: slots.reduce((t, s) => t + ticks(s.a.sshdPid), 0), b: slots.reduce((t, s) => t + ticks(s.b.sshdPid), 0) };
  }

  async function runPass(pass: Pass, jobs: Job[], snap: (n: LabNode) => Promise<Snapshot>): Promise<PassResult> {
    const out: PassResult = { jobs: new Map(), snapA: {}, snapB: {}, callsA: {}, callsB: {} };
    const cpu0 = CPU ? nodeCpu() : undefined;
    const t0 = Date.now();
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let j = queue.shift(); j; j = queue.shift()) out.jobs.set(j.id, await runJob(pass, j));
      }),
    );
    await closeControlMasters(aenv); // sessions end: node-side CPU is accounted, sockets go
    if (cpu0) {
      await new Promise((r) => setTimeout(r, 500));
      const cpu1 = nodeCpu();
      timings.push(`${pass} [${jobs.map((j) => j.id).join(' ')}]: ${Date.now() - t0} ms; node-side CPU ansible ${(cpu1.a - cpu0.a).toFixed(1)} s, crane-fix ${(cpu1.b - cpu0.b).toFixed(1)} s`);
    }
    await Promise.all(
      slots.map(async (s) => {
        const [sa, sb] = await Promise.all([snap(s.a), snap(s.b)]);
        for (const [p, e] of Object.entries(sa)) out.snapA[`${s.name}:${p}`] = e;
        for (const [p, e] of Object.entries(sb)) out.snapB[`${s.name}:${p}`] = e;
        out.callsA[s.name] = mutatingCalls(await systemctlCalls(s.a));
        out.callsB[s.name] = mutatingCalls(await systemctlCalls(s.b));
      }),
    );
    return out;
  }

  function slotSnap(snap: Snapshot, host: string, keep: (path: string) => boolean): Snapshot {
    const out: Snapshot = {};
    for (const [k, v] of Object.entries(snap)) {
      const i = k.indexOf(':');
      if (k.slice(0, i) === host && keep(k.slice(i + 1))) out[k.slice(i + 1)] = v;
    }
    return out;
  }

  /** Ansible's and crane-fix's statuses and diffs for a set of task names on one host. */
  function compareTasks(run: JobRun, host: string, names: string[], opts: { diffs: boolean; first?: string; label: string }) {
    let a: TaskResult[] = caseResults(run.ansible, host, names);
    let k: TaskResult[] = caseResults(run.crane, host, names);
    const deadA = (run.ansible.get(host) ?? []).find((t) => t.status === 'failed' && !names.includes(t.name));
    const deadC = (run.crane.get(host) ?? []).find((t) => t.status === 'failed' && !names.includes(t.name));
    const context = `${opts.label} on ${host}${deadA ? ` (ansible's host already failed at '${deadA.name}')` : ''}${deadC ? ` (crane-fix's host already failed at '${deadC.name}')` : ''}\nansible: ${JSON.stringify(a.map((t) => [t.name, t.status, t.msg]))}\ncrane:   ${JSON.stringify(k.map((t) => [t.name, t.status, t.msg]))}\n${run.stderr}`;
    if (opts.first) {
      a = a.filter((t) => t.name === opts.first);
      k = k.filter((t) => t.name === opts.first);
    }
    const pa = statusPairs(a);
    expect(alignIgnored(pa, statusPairs(k)), context).toEqual(pa);
    if (opts.diffs) for (const p of diffPairs(a, k, aenv.localTmp)) expect(p.crane, `diff of '${p.name}' — ${context}`).toEqual(p.ansible);
    return { a, k, context };
  }

  // ---------------------------------------------------------------------------------------
  describe('module cases (test/parity/cases)', () => {
    const results = {} as Record<Pass, PassResult>;
    let start: { snapA: Snapshot; snapB: Snapshot };
    const hostOf = new Map<string, string>();
    const jobOf = new Map<string, string>();
    let cases: ParityCase[] = [];

    beforeAll(async () => {
      cases = ALL_CASES.filter((c) => !unmet.has(c.id));
      assignShards(cases, SHARDS, slotName, hostOf, jobOf);
      const job = (id: string, list: ParityCase[]): Job => {
        const groups: [string, string][] = list.flatMap((c) => [...(c.notes.groups ?? []).map((g): [string, string] => [g, hostOf.get(c.id)!]), [c.id, hostOf.get(c.id)!] as [string, string]]);
        const dir = join(tmp, id);
        if (existsSync(join(CASES_DIR, 'files'))) cpSync(join(CASES_DIR, 'files'), join(dir, 'files'), { recursive: true });
        const pb = writeText(join(dir, 'parity.yaml'), list.map((c) => c.text).join('\n'));
        return {
          id,
          invA: writeText(join(dir, 'side-a.ini'), caseInventory('a', slots, groups, keys())),
          invB: writeText(join(dir, 'side-b.ini'), caseInventory('b', slots, groups, keys())),
          pbsA: [pb],
          pbsB: [pb],
          extra: [],
        };
      };
      const shards = Array.from({ length: SHARDS }, (_, k) => job(`cases-${k + 1}`, cases.filter((c) => jobOf.get(c.id) === `cases-${k + 1}`)));
      const own = cases.filter(isolated).map((c) => job(`case-${c.id}`, [c]));

      // Fixtures, identical on both twins of every slot.
      const t0 = Date.now();
      const unitPaths = [...new Set(cases.flatMap((c) => Object.keys(c.notes.units ?? {})))].flatMap((u) => ['active', 'enabled'].map((k) => `/var/lib/crane-lab/units/${u}.service.${k}`));
      await Promise.all(
        slots.flatMap((s) => {
          const mine = cases.filter((c) => hostOf.get(c.id) === s.name);
          const setup: NodeSetup = {
            wipe: [CASE_ROOT],
            files: mine.flatMap(caseFiles),
            units: Object.assign({}, ...mine.map((c) => c.notes.units ?? {})),
            truncate: ['/var/log/crane-lab/systemctl.log'],
            hostname: `parity-${s.name}`,
          };
          return [setupNode(s.a, setup), setupNode(s.b, setup)];
        }),
      );
      timings.push(`fixtures: ${Date.now() - t0} ms`);
      const snap = (n: LabNode) => snapshotNode(n, [CASE_ROOT], unitPaths);
      start = { snapA: {}, snapB: {} };
      await Promise.all(
        slots.map(async (s) => {
          for (const [p, e] of Object.entries(await snap(s.a))) start.snapA[`${s.name}:${p}`] = e;
          for (const [p, e] of Object.entries(await snap(s.b))) start.snapB[`${s.name}:${p}`] = e;
        }),
      );
      // A failing case's second run proves little and costs an invocation: only the shared job runs again.
      for (const pass of PASSES) results[pass] = await runPass(pass, pass === 'again' ? shards : [...shards, ...own], snap);
    }, 900_000);

    const caseSnap = (snap: Snapshot, c: ParityCase) => {
      const units = Object.keys(c.notes.units ?? {});
      return slotSnap(snap, hostOf.get(c.id)!, (p) => p === `${CASE_ROOT}/${c.id}` || p.startsWith(`${CASE_ROOT}/${c.id}/`) || units.some((u) => p.startsWith(`/var/lib/crane-lab/units/${u}.service.`)));
    };

    it('the twins start identical, and every case has its fixtures', () => {
      expect(Object.keys(start.snapA).length).toBeGreaterThan(cases.length);
      expect(start.snapB).toEqual(start.snapA);
      for (const c of cases) expect(start.snapA[`${hostOf.get(c.id)}:${CASE_ROOT}/${c.id}`], c.id).toMatchObject({ type: 'dir' });
    });

    it('there are at least 40 playbook cases, and docs/parity.md names every difference and bug', () => {
      const docs = readFileSync(DOCS, 'utf8');
      expect(ALL_CASES.length + CATALOGUE_RUNNABLE.length).toBeGreaterThanOrEqual(40);
      for (const c of ALL_CASES.filter((x) => x.notes.differs || x.notes.bug || x.notes.diff === 'statuses' || (x.notes.check ?? 'compare') !== 'compare')) {
        expect(docs, `docs/parity.md must name case ${c.id}`).toContain(c.id);
      }
    });

    it('check mode changes nothing on either side', () => {
      expect(results.check.snapA).toEqual(start.snapA);
      expect(results.check.snapB).toEqual(start.snapB);
      for (const calls of [...Object.values(results.check.callsA), ...Object.values(results.check.callsB)]) expect(calls).toEqual([]);
    });

    for (const pass of PASSES) {
      it(`${pass}: the shared runs exit 0 in both tools`, () => {
        for (let k = 1; k <= SHARDS; k++) {
          const r = results[pass].jobs.get(`cases-${k}`)!;
          expect({ ansible: r.ansibleCode, crane: r.craneCode }, r.stderr).toEqual({ ansible: 0, crane: 0 });
        }
      });
      it(`${pass}: the same state-changing systemctl calls on every slot`, () => {
        expect(results[pass].callsB).toEqual(results[pass].callsA);
      });
    }

    for (const c of ALL_CASES) {
      describe(`${c.id} — ${c.notes.about}`, () => {
        for (const pass of PASSES) {
          if (pass === 'again' && isolated(c)) continue;
          const buggy = c.notes.bug && (c.notes.bugIn ?? PASSES).includes(pass);
          const test = buggy ? it.fails : it;
          const what = `${pass}: ${PASS_LABEL[pass]}: same task statuses${pass !== 'again' && c.notes.diff !== 'statuses' ? ' and diffs' : ''}${pass !== 'check' ? ', same files' : ''}${buggy ? ' (fails: crane-fix bug, see notes)' : ''}`;
          test(what, (ctx) => {
            if (unmet.has(c.id)) {
              console.warn(`[parity] ${c.id}: skipped: ${unmet.get(c.id)}`);
              ctx.skip();
              return;
            }
            const run = results[pass].jobs.get(jobOf.get(c.id)!)!;
            if (run.error) throw run.error;
            const host = hostOf.get(c.id)!;
            const names = [...c.taskNames, ...c.handlerNames];
            const d = c.notes.differs;
            if (d) {
              const a = caseResults(run.ansible, host, names);
              const k = caseResults(run.crane, host, names);
              const context = `${c.id}\nansible: ${JSON.stringify(a.map((t) => [t.name, t.status, t.msg]))}\ncrane:   ${JSON.stringify(k.map((t) => [t.name, t.status, t.msg]))}`;
              const key = pass === 'check' ? 'check' : 'apply';
              expect(statusPairs(a), context).toEqual(d.ansible[key] ?? statusPairs(k));
              expect(statusPairs(k), context).toEqual(d.crane[key] ?? statusPairs(a));
              if (pass !== 'check') {
                const sa = caseSnap(results[pass].snapA, c);
                const sb = caseSnap(results[pass].snapB, c);
                if (d.files === 'same') expect(sb, context).toEqual(sa);
                else expect(sb, context).not.toEqual(sa);
              }
              return;
            }
            const { a, context } = compareTasks(run, host, names, {
              diffs: pass !== 'again' && c.notes.diff !== 'statuses' && !(pass === 'check' && c.notes.check === 'statuses'),
              first: pass === 'check' && c.notes.check === 'first' ? c.taskNames[0] : undefined,
              label: c.id,
            });
            expect(a.length, `ansible ran none of the case's tasks: ${context}`).toBeGreaterThan(0);
            if (isolated(c)) expect(run.craneCode, `exit codes — ${context}`).toBe(run.ansibleCode);
            if (pass !== 'check') expect(caseSnap(results[pass].snapB, c), `files of ${c.id} after ${pass}\n${context}`).toEqual(caseSnap(results[pass].snapA, c));
          });
        }
      });
    }
  });

  // ---------------------------------------------------------------------------------------
  describe('run-level semantics (test/parity/runlevel)', () => {
    let run: JobRun;
    let snapA: Snapshot;
    let snapB: Snapshot;
    const RL = join(PARITY_DIR, 'runlevel');
    const dirs = ['rl_later', 'rl_next_file'];

    beforeAll(async () => {
      const groups: [string, string][] = [
        ['rl_fail', 'p02'],
        ['rl_later', 'p03'],
        ['rl_next_file', 'p04'],
      ];
      const dir = join(tmp, 'runlevel');
      const pbs = ['all-hosts-fail.yaml', 'next-file.yaml'].map((f) => writeText(join(dir, f), readFileSync(join(RL, f), 'utf8')));
      const job: Job = {
        id: 'runlevel',
        invA: writeText(join(dir, 'side-a.ini'), caseInventory('a', slots, groups, keys())),
        invB: writeText(join(dir, 'side-b.ini'), caseInventory('b', slots, groups, keys())),
        pbsA: pbs,
        pbsB: pbs,
        extra: [],
      };
      await Promise.all(
        slots.slice(1, 4).flatMap((s) => {
          const setup: NodeSetup = { wipe: dirs.map((d) => `${CASE_ROOT}/${d}`), files: dirs.map((d) => ({ path: `${CASE_ROOT}/${d}`, kind: 'dir' as const })), units: {}, truncate: [] };
          return [setupNode(s.a, setup), setupNode(s.b, setup)];
        }),
      );
      run = await runJob('apply', job);
      const snap = async (n: LabNode) => snapshotNode(n, dirs.map((d) => `${CASE_ROOT}/${d}`));
      snapA = {};
      snapB = {};
      for (const s of slots.slice(1, 4)) {
        for (const [p, e] of Object.entries(await snap(s.a))) snapA[`${s.name}:${p}`] = e;
        for (const [p, e] of Object.entries(await snap(s.b))) snapB[`${s.name}:${p}`] = e;
      }
    }, 300_000);

    it('both tools fail the play whose hosts all fail, and exit 2', () => {
      if (run.error) throw run.error;
      expect(statusPairs(caseResults(run.ansible, 'p02', ['rl every host fails']))).toEqual([['rl every host fails', 'failed']]);
      expect(statusPairs(caseResults(run.crane, 'p02', ['rl every host fails']))).toEqual([['rl every host fails', 'failed']]);
      expect({ ansible: run.ansibleCode, crane: run.craneCode }).toEqual({ ansible: 2, crane: 2 });
    });

    // docs/parity.md#a-play-whose-hosts-all-fail-ends-the-playbook
    it('a play whose hosts all fail ends the playbook, and a failed host ends the later files', () => {
      if (run.error) throw run.error;
      expect(statusPairs(caseResults(run.ansible, 'p03', ['rl a later play']))).toEqual([]);
      expect(statusPairs(caseResults(run.ansible, 'p04', ['rl the next file']))).toEqual([]);
      expect(statusPairs(caseResults(run.crane, 'p03', ['rl a later play']))).toEqual([]);
      expect(statusPairs(caseResults(run.crane, 'p04', ['rl the next file']))).toEqual([]);
      expect(snapA[`p03:${CASE_ROOT}/rl_later/ran`]).toBeUndefined();
      expect(snapB).toEqual(snapA);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('catalogue playbooks (playbooks/)', () => {
    const results = {} as Record<Pass, PassResult & { docker: { a: Record<string, string[]>; b: Record<string, string[]> } }>;
    const names = new Map<string, string[]>(); // playbook -> task and handler names
    const HOSTS = ['node01', 'node02', 'node03', 'node04', 'node05'];
    let runnable: string[] = [];
    const excludedHere = new Map<string, string>();
    const syntax = new Map<string, { original: number; stripped: number; removed: string[]; out: string }>();
    const stripped = new Map<string, string>();
    let seedPaths: string[] = [];

    beforeAll(async () => {
      runnable = CATALOGUE_RUNNABLE.filter((id) => {
        if (id === 'calico-tunl0' && existsSync('/sys/class/net/tunl0')) {
          // The lab shares this machine's network namespace: the fix would act on the real tunl0.
          excludedHere.set(id, 'this machine has a tunl0 device; the lab shares its network namespace');
          return false;
        }
        return true;
      });
      for (const [id, r] of excludedHere) console.warn(`[parity] catalogue ${id} SKIPPED: ${r}`);
      const dir = join(tmp, 'catalogue');
      const originals = runnable.map((id) => join(ROOT, 'playbooks', `${id}.yaml`));
      const strippedFiles = runnable.map((id, i) => {
        const s = stripCraneKeys(readFileSync(originals[i]!, 'utf8'));
        stripped.set(id, s.text);
        syntax.set(id, { original: -1, stripped: -1, removed: s.removed, out: '' });
        return writeText(join(dir, 'ansible', `${id}.yaml`), s.text);
      });
      for (const id of runnable) {
        const pb = loadPlaybook(join(ROOT, 'playbooks', `${id}.yaml`));
        names.set(id, pb.plays.flatMap((p) => [...p.tasks, ...p.handlers].map((t) => t.name)));
      }
      // Crane-shaped inventory (as the lab writes it): 2 masters (also etcd), 3 workers.
      const specs = HOSTS.map((_, i) => nodeSpec(i + 1, HOSTS.length, SUBNET));
      const inv = (side: 'a' | 'b') => {
        const line = (i: number) => `${HOSTS[i]} ansible_host=${slots[i]![side].ip}${specs[i]!.ctlPathOffPath ? ' kubernetes_ctl_path=/opt/crane/bin' : ''}`;
        const lines = ['# crane-fix parity: Crane-shaped inventory', '[kube-master]'];
        specs.forEach((s, i) => s.groups.includes('kube-master') && lines.push(line(i)));
        lines.push('', '[kube-node]');
        specs.forEach((s, i) => s.groups.includes('kube-node') && lines.push(line(i)));
        lines.push('', '[etcd]');
        specs.forEach((s, i) => s.groups.includes('etcd') && lines.push(HOSTS[i]!));
        lines.push('', '[k8s-cluster:children]', 'kube-master', 'kube-node', '', ...commonVarsIni(keys()));
        return writeText(join(dir, `side-${side}.ini`), lines.join('\n') + '\n');
      };
      const job: Job = { id: 'catalogue', invA: inv('a'), invB: inv('b'), pbsA: strippedFiles, pbsB: originals, extra: CATALOGUE_VARS };

      // Both twins of node0i get node i's Crane files; anything another lab node was seeded with goes.
      const everySeed = new Set(lab.nodes.flatMap((n) => Object.keys(seedFiles(n))));
      seedPaths = [...everySeed, '/usr/bin/ctr'].sort();
      const unitPaths = ['kubelet', 'docker', 'containerd'].flatMap((u) => ['active', 'enabled'].map((k) => `/var/lib/crane-lab/units/${u}.service.${k}`));
      await Promise.all(
        HOSTS.flatMap((_, i) => {
          const files = seedFiles(specs[i]!);
          const setup: NodeSetup = {
            wipe: [CASE_ROOT],
            remove: seedPaths.filter((p) => !(p in files)),
            files: Object.entries(files).map(([path, content]) => ({ path, kind: 'file' as const, content, mode: content.startsWith('#!') ? '0755' : '0644' })),
            units: Object.fromEntries(['kubelet', 'docker', 'containerd'].map((u) => [u, { active: 'active', enabled: 'enabled' }])),
            truncate: ['/var/log/crane-lab/systemctl.log', '/var/log/crane-lab/docker.log'],
            hostname: specs[i]!.hostname,
          };
          return [setupNode(slots[i]!.a, setup), setupNode(slots[i]!.b, setup)];
        }),
      );
      const snap = (n: LabNode) => snapshotNode(n, [], [...seedPaths, ...unitPaths]);
      const docker = async (n: LabNode) => (await nodeExec(n, 'cat /var/log/crane-lab/docker.log 2>/dev/null')).stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, ''));
      // ansible-playbook --syntax-check on the originals (crane-fix keys) and the stripped twins, beside the check pass.
      const syntaxRuns = Promise.all(
        runnable.map(async (id, i) => {
          const [o, s] = [
            await runProc('ansible-playbook', ['-i', job.invA, '--syntax-check', originals[i]!], { env: aenv.env, timeoutMs: 120_000 }),
            await runProc('ansible-playbook', ['-i', job.invA, '--syntax-check', strippedFiles[i]!], { env: aenv.env, timeoutMs: 120_000 }),
          ];
          Object.assign(syntax.get(id)!, { original: o.code, stripped: s.code, out: `${o.stdout}${o.stderr}` });
        }),
      );
      for (const pass of PASSES) {
        const r = await runPass(pass, [job], snap);
        const d = { a: {} as Record<string, string[]>, b: {} as Record<string, string[]> };
        for (let i = 0; i < HOSTS.length; i++) {
          d.a[HOSTS[i]!] = await docker(slots[i]!.a);
          d.b[HOSTS[i]!] = await docker(slots[i]!.b);
        }
        results[pass] = { ...r, docker: d };
      }
      await syntaxRuns;
    }, 900_000);

    it('every catalogue playbook is either run here or left out with a reason', () => {
      const all = readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
      expect([...CATALOGUE_RUNNABLE, ...Object.keys(CATALOGUE_EXCLUDED)].sort()).toEqual(all);
      const docs = readFileSync(DOCS, 'utf8');
      for (const id of Object.keys(CATALOGUE_EXCLUDED)) expect(docs, `docs/parity.md must say why ${id} is left out`).toContain(id);
    });

    it("ansible-playbook rejects crane-fix's verify/rollback/irreversible keys and accepts the stripped twin", () => {
      let withKeys = 0;
      for (const id of runnable) {
        const s = syntax.get(id)!;
        expect(s.stripped, `${id}: stripped twin must pass --syntax-check`).toBe(0);
        if (s.removed.length) {
          withKeys++;
          expect(s.original, `${id} has ${s.removed.join(', ')}: ansible-playbook must reject it (else update docs/parity.md)`).not.toBe(0);
          expect(s.out).toMatch(/'(verify|rollback)' is not a valid attribute for a Play|conflicting action statements: \w+, irreversible|conflicting action statements: irreversible/);
        } else {
          expect(s.original, `${id}: no crane-fix keys, Ansible must accept it as it is`).toBe(0);
        }
      }
      expect(withKeys).toBeGreaterThan(0);
    });

    it('the stripped twin is the same playbook to crane-fix, less its own keys', () => {
      for (const id of runnable) {
        const orig = loadPlaybook(join(ROOT, 'playbooks', `${id}.yaml`));
        const twin = loadPlaybook(writeText(join(tmp, 'catalogue', 'reload', `${id}.yaml`), stripped.get(id)!));
        const shape = (pb: typeof orig) => pb.plays.map((p) => ({ ...p, pos: undefined, verify: [], rollback: [], tasks: p.tasks.map((t) => ({ ...t, pos: undefined, argPos: undefined, modulePos: undefined, irreversible: undefined })), handlers: p.handlers.map((t) => ({ ...t, pos: undefined, argPos: undefined, modulePos: undefined })) }));
        expect(shape(twin), id).toEqual(shape(orig));
      }
    });

    for (const id of CATALOGUE_RUNNABLE) {
      describe(`playbooks/${id}.yaml`, () => {
        for (const pass of PASSES) {
          it(`${pass}: ${PASS_LABEL[pass]}: same task statuses${pass !== 'again' ? ' and diffs' : ''} on every host`, (ctx) => {
            if (!runnable.includes(id)) {
              console.warn(`[parity] catalogue ${id}: skipped: ${excludedHere.get(id)}`);
              ctx.skip();
              return;
            }
            const run = results[pass].jobs.get('catalogue')!;
            if (run.error) throw run.error;
            let ran = 0;
            for (const h of HOSTS) ran += compareTasks(run, h, names.get(id)!, { diffs: pass !== 'again', label: id }).a.length;
            expect(ran, `${id} ran no task on any host`).toBeGreaterThan(0);
          });
        }
      });
    }

    for (const pass of PASSES) {
      it(`${pass}: both tools exit alike, and leave every Crane file, unit and recorded call the same`, () => {
        const r = results[pass];
        const run = r.jobs.get('catalogue')!;
        // 2: ctl-path's link fails on the nodes without /usr/local/bin/ctr, in both tools.
        expect({ ansible: run.ansibleCode, crane: run.craneCode }, run.stderr).toEqual({ ansible: 2, crane: 2 });
        for (let i = 0; i < HOSTS.length; i++) {
          const s = slots[i]!.name;
          expect(slotSnap(r.snapB, s, () => true), `${HOSTS[i]} files`).toEqual(slotSnap(r.snapA, s, () => true));
        }
        expect(r.callsB, 'systemctl calls').toEqual(r.callsA);
        expect(r.docker.b, 'docker calls').toEqual(r.docker.a);
      });
    }

    it('the fixes did something: files changed and kubelet/docker were restarted', () => {
      const r = results.apply;
      const changed = Object.keys(r.snapA).filter((k) => JSON.stringify(r.snapA[k]) !== JSON.stringify(results.check.snapA[k]));
      expect(changed.length).toBeGreaterThan(3);
      expect(Object.values(r.callsA).flat()).toEqual(expect.arrayContaining(['restart kubelet', 'restart docker']));
    });
  });
});
