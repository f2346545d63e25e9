/**
 * The whole guide dialogue, scripted: prompts answer from a list (each question checked by its
 * id), the engine is a fake that records what it was asked to do. Real catalogue, real
 * inventory loading, real playbooks; no SSH.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGuide, EXIT_CANCELLED, type GuideDeps, type GuideOptions } from '../../src/guide/session.js';
import { ExitPromptError, type GuidePrompts } from '../../src/guide/prompts.js';
import type { MessageKey } from '../../src/guide/i18n.js';
import type { ApplyOptions, RunReport } from '../../src/engine/run.js';
import type { CheckOptions, CheckReport } from '../../src/engine/check.js';
import type { RollbackOptions } from '../../src/engine/rollback.js';
import type { TaskReport } from '../../src/engine/hostRun.js';
import { InputError } from '../../src/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-guide-session-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const INV = path.join(dir, 'nodes.ini');
fs.writeFileSync(
  INV,
  `[kube-master]
node01 ansible_host=127.0.0.11
node02 ansible_host=127.0.0.12
[kube-node]
node03 ansible_host=127.0.0.13
node04 ansible_host=127.0.0.14
[etcd]
node01
node02
[k8s-cluster:children]
kube-master
kube-node
`,
);
const JOURNAL = path.join(dir, 'journal');

const KUBELET_LINE =
  'Dec 24 11:13:31 BJ-M8-HADOOP-105-144 kubelet[3680]: E1224 11:13:31.677889    3680 dns.go:135] Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.100.20.105 10.100.105.11 10.100.21.240';
const TRIM_DIFF = '--- before: /etc/resolv.conf\n+++ after: /etc/resolv.conf\n@@ -3,6 +3,4 @@\n nameserver 10.100.21.240\n-nameserver 10.100.21.241\n-nameserver 10.100.21.242\n';

type Answer = unknown | ((q: { message: string; choices?: { name: string; value: unknown }[] }) => unknown);
interface Step {
  id: MessageKey;
  answer?: Answer;
  cancel?: boolean;
}

function scripted(steps: Step[]) {
  const asked: { id: string; message: string; choices?: { name: string; value: unknown }[]; default?: unknown }[] = [];
  const next = async (kind: string, q: { id: MessageKey; message: string; choices?: { name: string; value: unknown }[]; default?: unknown }) => {
    asked.push(q);
    const step = steps.shift();
    if (!step) throw new Error(`unexpected ${kind} ${q.id}: "${q.message}" (script ended)`);
    if (step.id !== q.id) throw new Error(`expected question ${step.id}, got ${kind} ${q.id}: "${q.message}"`);
    if (step.cancel) throw new ExitPromptError('User force closed the prompt with SIGINT');
    const a = typeof step.answer === 'function' ? (step.answer as (x: typeof q) => unknown)(q) : step.answer;
    if (kind === 'select' && !q.choices!.some((c) => c.value === a)) throw new Error(`${q.id}: ${String(a)} is not among ${q.choices!.map((c) => c.value).join(', ')}`);
    return a;
  };
  const prompts: GuidePrompts = {
    select: (q) => next('select', q) as never,
    checkbox: (q) => next('checkbox', q) as never,
    input: (q) => next('input', q) as never,
    confirm: (q) => next('confirm', q) as never,
    paste: (q) => next('paste', q) as never,
  };
  return { prompts, asked, left: () => steps.map((s) => s.id) };
}

function host(status: RunReport['hosts'][string]['status'], tasks: Partial<TaskReport>[], error?: string): RunReport['hosts'][string] {
  return { status, tasks: tasks.map((t) => ({ name: 'task', status: 'ok', changed: false, ...t }) as TaskReport), ...(error ? { error } : {}) };
}

function report(mode: RunReport['mode'], hosts: RunReport['hosts'], runId = 'RUN-1'): RunReport {
  const summary = { ok: 0, changed: 0, failed: 0, unreachable: 0, rolledBack: 0 };
  for (const h of Object.values(hosts)) {
    if (h.status === 'rolled-back') summary.rolledBack++;
    else summary[h.status]++;
  }
  // As the engine: a rollback run's restored hosts are its success.
  const exitCode = summary.failed || (summary.rolledBack && mode !== 'rollback') ? 2 : summary.unreachable ? 4 : 0;
  return { runId, mode, hosts, summary, exitCode };
}

const trimmed = (status: 'changed' | 'ok') =>
  host(status, [{ name: 'remove nameserver lines after the third', status, changed: status === 'changed', ...(status === 'changed' ? { diff: TRIM_DIFF } : {}) }]);

interface FakeEngine {
  checks: CheckOptions[];
  applies: ApplyOptions[];
  rollbacks: RollbackOptions[];
  /** dry-run journal dirs, checked to be gone afterwards */
  previewDirs: string[];
}

function fakeEngine(
  o: {
    check?: CheckReport;
    dry?: (opts: ApplyOptions) => RunReport;
    apply?: (opts: ApplyOptions) => RunReport;
    rollback?: RunReport;
  } = {},
): GuideDeps['engine'] & FakeEngine {
  const f: GuideDeps['engine'] & FakeEngine = {
    checks: [],
    applies: [],
    rollbacks: [],
    previewDirs: [],
    async runCheck(opts) {
      f.checks.push(opts);
      return o.check ?? { entries: [], hosts: {}, affected: {}, exitCode: 0 };
    },
    async runApply(opts) {
      f.applies.push(opts);
      if (opts.dryRun) {
        f.previewDirs.push(opts.journalDir!);
        // The engine would write its dry-run journal here.
        fs.mkdirSync(path.join(opts.journalDir!, 'DRY'), { recursive: true });
        return (o.dry ?? (() => report('dry-run', { node03: trimmed('changed') }, 'DRY')))(opts);
      }
      opts.onRunStart?.('RUN-1', '/j/RUN-1');
      opts.log?.('run RUN-1 (apply) on 1 host(s); journal /j/RUN-1');
      opts.onHostProgress?.('node03', 'connecting');
      opts.onHostProgress?.('node03', 'applying remove nameserver lines after the third');
      opts.log?.('changed node03 task [remove nameserver lines after the third]');
      return (o.apply ?? (() => report('apply', { node03: trimmed('changed') })))(opts);
    },
    async runRollback(opts) {
      f.rollbacks.push(opts);
      opts.log?.('changed node03 [restore /etc/resolv.conf]');
      return o.rollback ?? report('rollback', { node03: host('rolled-back', []) }, 'RB-1');
    },
  };
  return f;
}

function deps(steps: Step[], engine = fakeEngine(), signals?: Partial<GuideDeps['signals']>) {
  const script = scripted(steps);
  const lines: string[] = [];
  const d: GuideDeps = {
    prompts: script.prompts,
    engine,
    out: (l) => lines.push(l),
    signals: {
      forApply: () => ({ signal: new AbortController().signal, dispose: () => {} }),
      cancellable: (work) => work(new AbortController().signal),
      ...signals,
    },
  };
  return { d, script, lines, text: () => lines.join('\n'), engine };
}

const opts = (o: Partial<GuideOptions> = {}): GuideOptions => ({ inventory: INV, lang: 'en', journalDir: JOURNAL, cwd: dir, ...o });

/** The paste -> diagnose -> resolv-conf-trim opening, as an operator would answer it. */
const pasteOpening: Step[] = [
  { id: 'startQ', answer: 'paste' },
  { id: 'pasteQ', answer: `${KUBELET_LINE}\n\nsome unrelated info line` },
  { id: 'pickMatchQ', answer: 'resolv-conf-trim' },
];

describe('guide session (scripted)', () => {
  it('paste -> diagnose -> scan for affected -> preview -> apply -> keep -> command', async () => {
    const engine = fakeEngine({
      check: {
        entries: ['resolv-conf-trim'],
        hosts: { node01: { reachable: true, results: {} }, node03: { reachable: true, results: { 'resolv-conf-trim': { status: 'affected', evidence: '5 nameservers in /etc/resolv.conf' } } } },
        affected: { 'resolv-conf-trim': ['node03'] },
        exitCode: 3,
      },
    });
    const { d, script, text } = deps(
      [
        ...pasteOpening,
        { id: 'hostsQ', answer: 'scan' },
        { id: 'useHostsQ', answer: true },
        { id: 'varsChangeQ', answer: false },
        { id: 'applyQ', answer: true },
        { id: 'afterOkQ', answer: 'keep' },
      ],
      engine,
    );
    const code = await runGuide(opts(), d);
    expect(script.left()).toEqual([]);
    expect(code).toBe(0);
    // The scan looked for this problem only; the run went to the affected host only.
    expect(engine.checks).toEqual([expect.objectContaining({ ids: ['resolv-conf-trim'], limit: undefined })]);
    expect(engine.applies.map((a) => [a.dryRun ?? false, a.limit, a.targets, a.yes ?? false])).toEqual([
      [true, 'node03', ['resolv-conf-trim'], false],
      [false, 'node03', ['resolv-conf-trim'], true],
    ]);
    // The real run is journaled where asked; the preview's journal is gone.
    expect(engine.applies[1]!.journalDir).toBe(JOURNAL);
    expect(engine.previewDirs[0]).not.toBe(JOURNAL);
    expect(fs.existsSync(engine.previewDirs[0]!)).toBe(false);
    const out = text();
    expect(out).toContain('resolv-conf-trim — More than 3 nameservers in /etc/resolv.conf');
    expect(out).toContain(`line 1: ${KUBELET_LINE.slice(0, 60)}`);
    expect(out).toContain('node03: affected — 5 nameservers in /etc/resolv.conf');
    expect(out).toContain('-nameserver 10.100.21.241');
    expect(out).toContain('… node03: applying remove nameserver lines after the third');
    expect(out).toContain('changed node03 step [remove nameserver lines after the third]');
    expect(out).toContain('node03: changed, 1 change(s)');
    expect(out).toContain(`To undo this run later: crane-fix rollback RUN-1 --journal-dir ${JOURNAL}`);
    expect(out).toContain(`crane-fix apply -i ${INV} resolv-conf-trim --limit node03 --journal-dir ${JOURNAL} --dry-run`);
    expect(out).toMatch(new RegExp(`crane-fix apply -i ${INV} resolv-conf-trim --limit node03 --journal-dir ${JOURNAL} +# apply`));
  });

  it('Ctrl-C at the last question before applying: exit 130, nothing applied, no journal left', async () => {
    const { d, text, engine } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', cancel: true }]);
    const code = await runGuide(opts(), d);
    expect(code).toBe(EXIT_CANCELLED);
    expect(engine.applies.every((a) => a.dryRun)).toBe(true);
    expect(engine.previewDirs.every((p) => !fs.existsSync(p))).toBe(true);
    expect(fs.existsSync(JOURNAL)).toBe(false);
    expect(text()).toMatch(/Cancelled — nothing was changed\.$/);
  });

  it('Ctrl-C at the very first question', async () => {
    const { d, text, engine } = deps([{ id: 'startQ', cancel: true }]);
    expect(await runGuide(opts({ lang: 'zh' }), d)).toBe(130);
    expect(engine.applies).toEqual([]);
    expect(text()).toContain('已取消 —— 没有做任何修改。');
  });

  it('Ctrl-C after the run applied says how to undo it, not "nothing changed"', async () => {
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterOkQ', cancel: true }]);
    expect(await runGuide(opts(), d)).toBe(130);
    expect(text()).not.toContain('nothing was changed');
    expect(text()).toMatch(/To undo this run later: crane-fix rollback RUN-1/);
  });

  it('answering no at the confirmation applies nothing and still prints the command', async () => {
    const { d, text, engine } = deps([...pasteOpening, { id: 'hostsQ', answer: 'pattern' }, { id: 'patternQ', answer: 'kube-node:!node04' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: false }]);
    expect(await runGuide(opts(), d)).toBe(0);
    expect(engine.applies).toHaveLength(1);
    expect(engine.applies[0]!.limit).toBe('kube-node:!node04');
    expect(text()).toContain('Not applied — nothing was changed.');
    expect(text()).toContain("resolv-conf-trim --limit 'kube-node:!node04'");
  });

  it('validates a typed pattern with the inventory', async () => {
    let validate: ((v: string) => true | string) | undefined;
    const { d } = deps([
      ...pasteOpening,
      { id: 'hostsQ', answer: 'pattern' },
      {
        id: 'patternQ',
        answer: (q: { validate?: (v: string) => true | string }) => {
          validate = q.validate;
          return 'node0*:!node01:!node02';
        },
      },
      { id: 'useHostsQ', answer: false },
      { id: 'hostsQ', answer: 'back' },
      { id: 'startQ', answer: 'quit' },
    ]);
    await runGuide(opts(), d);
    expect(validate!('nosuchgroup')).toMatch(/matches no group or host/);
    expect(validate!('kube-node')).toBe(true);
  });

  it('groups and picked hosts become the shortest --limit', async () => {
    const a = deps([...pasteOpening, { id: 'hostsQ', answer: 'groups' }, { id: 'groupsQ', answer: ['kube-master', 'etcd'] }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: false }]);
    await runGuide(opts(), a.d);
    expect(a.engine.applies[0]!.limit).toBe('kube-master');
    const b = deps([...pasteOpening, { id: 'hostsQ', answer: 'pick' }, { id: 'pickHostsQ', answer: ['node04', 'node01'] }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: false }]);
    await runGuide(opts(), b.d);
    expect(b.engine.applies[0]!.limit).toBe('node01,node04');
    expect(b.text()).toContain('Selected 2 host(s): node01, node04');
  });

  it('asks for required vars, passes them as -e would, and prints them in the command', async () => {
    const engine = fakeEngine({
      dry: () =>
        report('dry-run', {
          node01: host('changed', [{ name: 'point kubelet at the new DNS IP', status: 'changed', changed: true, diff: '--- a\n+++ b\n-old\n+new\n' }]),
          node02: host('ok', []),
        }),
    });
    let required: ((v: string) => true | string) | undefined;
    const { d, text } = deps(
      [
        { id: 'startQ', answer: 'catalog' },
        { id: 'catalogPickQ', answer: 'clusterip-dns' },
        { id: 'hostsQ', answer: 'groups' },
        { id: 'groupsQ', answer: ['kube-master'] },
        { id: 'useHostsQ', answer: true },
        {
          id: 'varRequiredQ',
          answer: (q: { message: string; validate?: (v: string) => true | string }) => {
            expect(q.message).toContain('dns_cluster_ip (required)');
            required = q.validate;
            return ' 10.9.0.10 ';
          },
        },
        { id: 'varsChangeQ', answer: true },
        { id: 'varQ', answer: (q: { default?: string }) => q.default },
        { id: 'applyQ', answer: false },
      ],
      engine,
    );
    await runGuide(opts(), d);
    expect(required!('')).toBe('A value is required.');
    expect(required!('""')).toBe(true);
    expect(engine.applies[0]!.extraVars).toEqual({ dns_cluster_ip: '10.9.0.10' });
    expect(text()).toContain('dns_cluster_ip_old = 10.96.0.10 (default)');
    expect(text()).toContain('Nothing to change on 1 host(s): node02');
    expect(text()).toContain('clusterip-dns --limit kube-master -e dns_cluster_ip=10.9.0.10 --journal-dir');
  });

  it('passes ssh config and become password to every run; prints -K, never the password', async () => {
    const { d, text, engine } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterOkQ', answer: 'keep' }]);
    await runGuide(opts({ sshConfig: '/etc/ssh/bastion.conf', becomePassword: 's3cret-pw', askBecomePass: true }), d);
    expect(engine.applies.map((a) => [a.sshConfig, a.becomePassword])).toEqual([
      ['/etc/ssh/bastion.conf', 's3cret-pw'],
      ['/etc/ssh/bastion.conf', 's3cret-pw'],
    ]);
    expect(text()).toContain(`apply -i ${INV} resolv-conf-trim --journal-dir`);
    expect(text()).toContain('--ssh-config /etc/ssh/bastion.conf --ask-become-pass   # apply');
    expect(text()).not.toContain('s3cret-pw');
  });

  it('nothing to change: says so and runs nothing', async () => {
    // Hosts report in the order they finish; the guide lists them in inventory order.
    const engine = fakeEngine({ dry: () => report('dry-run', { node04: trimmed('ok'), node03: trimmed('ok') }) });
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }], engine);
    expect(await runGuide(opts(), d)).toBe(0);
    expect(engine.applies).toHaveLength(1);
    expect(text()).toContain('Nothing to change on 2 host(s): node03, node04');
    expect(text()).toContain('Nothing to change: the selected hosts are already fixed.');
  });

  it('a preview that cannot run (bad input) is reported with its exit code', async () => {
    const engine = fakeEngine({
      dry: () => {
        throw new InputError('dns_cluster_ip is undefined', { file: 'playbooks/x.yaml', line: 3, col: 5 });
      },
    });
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }], engine);
    expect(await runGuide(opts(), d)).toBe(1);
    expect(text()).toContain('The preview could not run: playbooks/x.yaml:3:5: dns_cluster_ip is undefined');
  });

  it('verify failed on a host: recap says so, the operator rolls the whole run back', async () => {
    const engine = fakeEngine({
      dry: () => report('dry-run', { node03: trimmed('changed'), node04: trimmed('changed') }),
      apply: () =>
        report('apply', {
          node03: trimmed('changed'),
          node04: host('rolled-back', [
            { name: 'remove nameserver lines after the third', status: 'changed', changed: true },
            { name: 'resolver answers', status: 'failed', changed: false, verify: true, error: 'verify failed after 3 tries' },
          ]),
        }),
      rollback: report('rollback', { node03: host('rolled-back', []) }, 'RB-1'),
    });
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'groups' }, { id: 'groupsQ', answer: ['kube-node'] }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterFailQ', answer: 'rollback' }], engine);
    const code = await runGuide(opts(), d);
    expect(code).toBe(2);
    expect(engine.applies[1]!.limit).toBe('kube-node');
    expect(engine.rollbacks).toEqual([expect.objectContaining({ runId: 'RUN-1', journalDir: JOURNAL })]);
    const out = text();
    expect(out).toContain('Verification failed on 1 host(s); crane-fix restored them already: node04');
    expect(out).toContain('node04: restored, 1 change(s) — verify failed after 3 tries');
    expect(out).toContain('restored node03 [restore /etc/resolv.conf]');
    expect(out).toContain('Rollback finished: 1 host(s) restored, 0 failed, 0 unreachable.');
  });

  it('hosts whose preview failed are left out of the run, and the exit status says so', async () => {
    const engine = fakeEngine({ dry: () => report('dry-run', { node03: trimmed('changed'), node04: host('unreachable', [], 'connect ECONNREFUSED') }) });
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'groups' }, { id: 'groupsQ', answer: ['kube-node'] }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterOkQ', answer: 'keep' }], engine);
    expect(await runGuide(opts(), d)).toBe(4);
    expect(engine.applies.map((a) => a.limit)).toEqual(['kube-node', 'node03']);
    expect(text()).toContain('The dry-run failed on 1 host(s); they will be left out:');
    expect(text()).toContain('node04: UNREACHABLE — connect ECONNREFUSED');
  });

  it('a slow run prints what the unfinished hosts are doing', async () => {
    const engine = fakeEngine({
      apply: () => report('apply', { node03: trimmed('changed') }),
    });
    const slowApply = engine.runApply;
    engine.runApply = async (o) => {
      if (!o.dryRun) {
        o.onHostProgress?.('node03', 'verify: resolver answers');
        await new Promise((r) => setTimeout(r, 60));
      }
      return slowApply(o);
    };
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterOkQ', answer: 'keep' }], engine);
    await runGuide(opts({ heartbeatMs: 20, lang: 'zh' }), d);
    expect(text()).toContain('……仍在执行：0/1 台主机已完成 —— node03：正在验证：resolver answers');
  });

  it('the operator may roll back a successful run', async () => {
    const { d, engine, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterOkQ', answer: 'rollback' }]);
    expect(await runGuide(opts(), d)).toBe(0);
    expect(engine.rollbacks).toHaveLength(1);
    expect(text()).not.toContain('To undo this run later');
  });

  it('Ctrl-C during apply: no more questions, the rollback command is offered', async () => {
    const ac = new AbortController();
    const engine = fakeEngine({
      apply: (o) => {
        ac.abort(new Error('SIGINT'));
        o.log?.('\nSIGINT: finishing the current step on each host, then restoring what this run changed (send again to exit at once)');
        expect(o.signal).toBe(ac.signal);
        return report('apply', { node03: trimmed('changed'), node04: host('rolled-back', [], 'interrupted before the next step (signal)') });
      },
    });
    const { d, text, script } = deps(
      [...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }],
      engine,
      { forApply: () => ({ signal: ac.signal, dispose: () => {} }) },
    );
    expect(await runGuide(opts(), d)).toBe(2);
    expect(script.left()).toEqual([]);
    const out = text();
    expect(out).toContain('Stopping: each host finishes its current step');
    expect(out).toContain('Interrupted. Hosts that were part-way through were restored');
    expect(out).toContain(`To undo this run later: crane-fix rollback RUN-1 --journal-dir ${JOURNAL}`);
  });

  it('destructive fix: the host name must be typed back; a wrong name applies nothing', async () => {
    const engine = fakeEngine({ dry: () => report('dry-run', { node02: host('changed', [{ name: 'set the hostname', status: 'changed', changed: true, irreversible: true }]) }) });
    const { d, text } = deps(
      [
        { id: 'startQ', answer: 'catalog' },
        { id: 'catalogPickQ', answer: 'hostname-lowercase' },
        { id: 'hostsQ', answer: 'pick' },
        { id: 'pickHostsQ', answer: ['node02'] },
        { id: 'useHostsQ', answer: true },
        { id: 'applyQ', answer: true },
        { id: 'typeBackQ', answer: 'node2' },
      ],
      engine,
    );
    expect(await runGuide(opts(), d)).toBe(1);
    expect(engine.applies.filter((a) => !a.dryRun)).toEqual([]);
    expect(text()).toContain('⚠ cannot be undone');
    expect(text()).toContain('That does not match. Not applied — nothing was changed.');
  });

  it('destructive fix: typing the name back applies it', async () => {
    const engine = fakeEngine({ dry: () => report('dry-run', { node02: host('changed', [{ name: 'set the hostname', status: 'changed', changed: true, irreversible: true }]) }) });
    let question = '';
    const { d, script } = deps(
      [
        { id: 'startQ', answer: 'catalog' },
        { id: 'catalogPickQ', answer: 'hostname-lowercase' },
        { id: 'hostsQ', answer: 'pick' },
        { id: 'pickHostsQ', answer: ['node02'] },
        { id: 'useHostsQ', answer: true },
        {
          id: 'applyQ',
          answer: (q: { default?: boolean }) => {
            expect(q.default).toBe(false); // dangerous: no by default
            return true;
          },
        },
        {
          id: 'typeBackQ',
          answer: (q: { message: string }) => {
            question = q.message;
            return 'node02';
          },
        },
        { id: 'afterOkQ', answer: 'keep' },
      ],
      engine,
    );
    expect(await runGuide(opts(), d)).toBe(0);
    expect(script.left()).toEqual([]);
    expect(question).toBe('Type node02 to confirm the destructive step on node02:');
    expect(engine.applies.filter((a) => !a.dryRun)).toHaveLength(1);
  });

  it('irreversible (not destructive) fix: a second, explicit yes', async () => {
    const engine = fakeEngine({ dry: () => report('dry-run', { node01: host('changed', [{ name: 'remove tunl0', status: 'changed', changed: true, irreversible: true }]) }) });
    const { d } = deps(
      [
        { id: 'startQ', answer: 'catalog' },
        { id: 'catalogPickQ', answer: 'calico-tunl0' },
        { id: 'hostsQ', answer: 'all' },
        { id: 'useHostsQ', answer: true },
        { id: 'varRequiredQ', answer: 'Off' },
        { id: 'applyQ', answer: true },
        { id: 'irreversibleQ', answer: false },
      ],
      engine,
    );
    expect(await runGuide(opts(), d)).toBe(0);
    expect(engine.applies.filter((a) => !a.dryRun)).toEqual([]);
    expect(engine.applies[0]!.extraVars).toEqual({ calico_type: 'Off' });
  });

  it('scan start: fixable problems first, affected hosts offered', async () => {
    const engine = fakeEngine({
      check: {
        entries: [],
        hosts: {
          node01: { reachable: true, results: {} },
          node02: { reachable: false, error: 'connect ECONNREFUSED', results: {} },
        },
        affected: { 'istio-init-prune': ['node01'], 'resolv-conf-trim': ['node03', 'node04'], 'kubelet-csimigration': ['node01', 'node03'] },
        exitCode: 3,
      },
    });
    let scanChoices: string[] = [];
    const { d, text } = deps(
      [
        { id: 'startQ', answer: 'scan' },
        {
          id: 'scanPickQ',
          answer: (q: { choices?: { name: string; value: unknown }[] }) => {
            scanChoices = q.choices!.map((c) => String(c.value));
            return 'resolv-conf-trim';
          },
        },
        {
          id: 'hostsQ',
          answer: (q: { choices?: { name: string; value: unknown }[] }) => {
            expect(q.choices![0]!.name).toBe('Only the affected hosts (2: node03, node04)');
            return 'affected';
          },
        },
        { id: 'useHostsQ', answer: true },
        { id: 'varsChangeQ', answer: false },
        { id: 'applyQ', answer: false },
      ],
      engine,
    );
    await runGuide(opts(), d);
    expect(engine.checks[0]!.ids).toBeUndefined();
    expect(scanChoices.slice(0, 2).sort()).toEqual(['kubelet-csimigration', 'resolv-conf-trim']);
    expect(scanChoices.at(-2)).toBe('istio-init-prune'); // advice after fixes; then Back
    expect(engine.applies[0]!.limit).toBe('kube-node');
    expect(text()).toContain('node02: unreachable — connect ECONNREFUSED');
  });

  it('advice-only entries print what to do and return to the start', async () => {
    const { d, text } = deps([
      { id: 'startQ', answer: 'catalog' },
      { id: 'catalogPickQ', answer: 'kiali-auth' },
      { id: 'startQ', answer: 'quit' },
    ]);
    expect(await runGuide(opts(), d)).toBe(0);
    expect(text()).toContain('crane-fix has no automatic fix for this problem. What to do:');
    expect(text()).toContain('Bye — nothing was changed.');
  });

  it('a paste that matches nothing shows the unexplained lines and offers another paste', async () => {
    const { d, text } = deps([
      { id: 'startQ', answer: 'paste' },
      { id: 'pasteQ', answer: 'E0101 00:00:00.000000 1 foo.go:1] something odd failed' },
      { id: 'pickMatchQ', answer: 'again' },
      { id: 'pasteQ', answer: '' },
      { id: 'startQ', answer: 'quit' },
    ]);
    await runGuide(opts(), d);
    expect(text()).toContain('No known problem matches these lines.');
    expect(text()).toContain('line 1: E0101 00:00:00.000000 1 foo.go:1] something odd failed');
    expect(text()).toContain('Nothing was pasted.');
  });

  it('speaks Chinese with lang zh', async () => {
    const { d, text } = deps([...pasteOpening, { id: 'hostsQ', answer: 'all' }, { id: 'useHostsQ', answer: true }, { id: 'varsChangeQ', answer: false }, { id: 'applyQ', answer: true }, { id: 'afterOkQ', answer: 'keep' }]);
    expect(await runGuide(opts({ lang: 'zh' }), d)).toBe(0);
    const out = text();
    expect(out).toContain('crane-fix 向导');
    expect(out).toContain('/etc/resolv.conf 中 nameserver 超过 3 个');
    expect(out).toContain('已修改 node03 步骤【remove nameserver lines after the third】');
    expect(out).toContain('下次可以直接运行（无需交互）：');
    expect(out).not.toMatch(/Recap of run|Next time/);
  });
});
