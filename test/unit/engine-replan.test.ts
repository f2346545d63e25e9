/**
 * The engine plans a play before it changes anything, but some tasks can only be planned
 * once earlier ones ran (docs/parity.md, issue 9): a `when` that raises on a registered
 * result that is still a prediction, args that use a set_fact value known only at run time,
 * and tasks that read what an earlier command changed. runHostPlay runs here against this
 * machine (LocalConnector, files in a temp dir), exactly as on a node.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnector } from '../../src/transport/local.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { planTask, predictedResult, prepareTasks, registeredPlaceholders, type PlanState } from '../../src/engine/plan.js';
import { runHostPlay, type HostReport } from '../../src/engine/hostRun.js';
import { TemplateError } from '../../src/playbook/template.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-replan-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function play(tasks: string) {
  const f = path.join(dir, 'pb.yaml');
  fs.writeFileSync(f, `- hosts: all\n  vars: {d: ${JSON.stringify(dir)}}\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n`);
  return loadPlaybook(f).plays[0]!;
}

function prepare(p: ReturnType<typeof play>, checkMode = false) {
  const vars = { ...p.vars, inventory_hostname: 'local', ansible_check_mode: checkMode };
  const main = prepareTasks(p.tasks, { ...vars, ...registeredPlaceholders(p) });
  return { main, vars, handlers: prepareTasks(p.handlers, main.vars, { unknown: main.unknown, isHandler: true }).tasks };
}

/** Runs the play on this machine; the host lock is left alone (`command -v flock` fails). */
async function run(tasks: string, checkMode = false, noRollback = true): Promise<HostReport> {
  const p = play(tasks);
  const { main, vars, handlers } = prepare(p, checkMode);
  const conn = new LocalConnector();
  return runHostPlay(
    conn,
    { tasks: main.tasks, handlers: p.handlers, preparedHandlers: handlers, verify: [], rollback: [], vars },
    { checkMode, noRollback, shell: { command: 'sh -s', stdinPrefix: 'command() { return 1; }\n' }, log: () => {} },
    'local',
  );
}

const statuses = (r: HostReport) => r.tasks.map((t) => [t.name, t.status]);
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

describe('prepareTasks: set_fact values in later tasks', () => {
  it('a set_fact known before the run templates the args after it (and their facts are gathered up front)', () => {
    const { main } = prepare(play(`- set_fact: {target: "{{ d }}/x", greeting: hello}\n- copy: {content: "{{ greeting }}\\n", dest: "{{ target }}"}`));
    expect(main.tasks[1]!.pending).toBeUndefined();
    expect(main.tasks[1]!.args).toMatchObject({ dest: `${dir}/x`, content: 'hello\n' });
    expect(main.tasks[1]!.facts).toContainEqual({ kind: 'file', path: `${dir}/x` });
    expect(main.vars.target).toBe(`${dir}/x`);
  });

  it('a set_fact decided at run time (a registered result, a when on one) leaves the tasks that use it pending', () => {
    const { main } = prepare(
      play(`- command: cat {{ d }}/name\n  register: r\n- set_fact: {target: "{{ d }}/{{ r.stdout }}"}\n- set_fact: {other: x}\n  when: r.rc == 0\n- copy: {content: "{{ other }}", dest: "{{ target }}"}`),
    );
    const copy = main.tasks[3]!;
    expect(copy.pending).toBe(true);
    expect(copy.facts).toEqual([]);
    expect([...main.unknown].sort()).toEqual(['other', 'target']);
  });

  it('a loop over a value known only at run time is still refused at load', () => {
    expect(() => prepare(play(`- command: ls\n  register: r\n- set_fact: {items_: "{{ r.stdout_lines }}"}\n- debug: {msg: "{{ item }}"}\n  loop: "{{ items_ }}"`))).toThrow(TemplateError);
  });

  it('a variable no task sets is still an error at load', () => {
    expect(() => prepare(play(`- copy: {content: x, dest: "{{ nowhere }}"}`))).toThrow(/'nowhere' is undefined/);
  });
});

describe('planTask: what cannot be planned yet is deferred, not failed', () => {
  it('a when that raises on a predicted result waits for the real one', () => {
    const p = play(`- command: cat {{ d }}/version\n  register: ver\n- copy: {content: x, dest: "{{ d }}/up"}\n  when: ver.stdout is version('2.0', '<')`);
    const { main } = prepare(p);
    const files = new Map(main.tasks[1]!.facts.map((f) => [(f as { path: string }).path, { path: (f as { path: string }).path, exists: f.kind === 'file' && (f as { path: string }).path !== `${dir}/up`, type: 'directory' as const }]));
    const state: PlanState = { files, commands: new Map(), hostFacts: { ver: predictedResult() } };
    const t = planTask(main.tasks[1]!, state, false);
    expect(t.deferred?.reason).toMatch(/waits for the result of 'ver'.*Input version value cannot be empty/);
    expect(t.ops).toEqual([]);
    state.hostFacts.ver = { ...predictedResult(), predicted: false, stdout: '1.5' };
    const again = planTask(main.tasks[1]!, state, false);
    expect(again.status).toBe('changed');
    expect(again.deferred).toBeUndefined();
  });

  it('a when that raises on a real value is an error', () => {
    const { main } = prepare(play(`- debug: {msg: x}\n  when: "'' is version('2.0', '<')"`));
    expect(() => planTask(main.tasks[0]!, { files: new Map(), commands: new Map(), hostFacts: {} }, false)).toThrow(/Input version value cannot be empty/);
  });
});

describe('runHostPlay: tasks planned again once what they depend on ran', () => {
  it('a command, then lineinfile on the file it made: facts are read again after the command', async () => {
    fs.writeFileSync(path.join(dir, 'template'), 'base=1\n');
    const r = await run(`- name: gen\n  command: cp {{ d }}/template {{ d }}/generated.conf\n- name: edit\n  lineinfile: {path: "{{ d }}/generated.conf", line: extra=1}`);
    expect(r.error).toBeUndefined();
    expect(statuses(r)).toEqual([['gen', 'changed'], ['edit', 'changed']]);
    expect(read('generated.conf')).toBe('base=1\nextra=1\n');
    // gather, the command, facts again, the edit — all on the one session the gather opened
    expect(r.roundTrips).toBe(4);
    expect(r.sessions).toBe(1);
  });

  it("creates on a file an earlier command made: the second command does not run", async () => {
    const r = await run(`- name: one\n  shell: echo made > {{ d }}/marker\n- name: two\n  shell: echo again > {{ d }}/marker\n  args: {creates: "{{ d }}/marker"}`);
    expect(statuses(r)).toEqual([['one', 'changed'], ['two', 'ok']]);
    expect(read('marker')).toBe('made\n');
  });

  it('a command that no later task reads after costs no extra round trip', async () => {
    const r = await run(`- name: write\n  copy: {content: "a\\n", dest: "{{ d }}/a"}\n- name: cmd\n  command: touch {{ d }}/b\n- name: note\n  debug: {msg: done}`);
    expect(statuses(r)).toEqual([['write', 'changed'], ['cmd', 'changed'], ['note', 'ok']]);
    expect(r.roundTrips).toBe(2); // gather + one apply script
    expect(r.sessions).toBe(1);
  });

  it('a when on a registered version decides once the command ran', async () => {
    fs.writeFileSync(path.join(dir, 'version'), '1.5\n');
    const r = await run(`- name: read\n  command: cat {{ d }}/version\n  register: ver\n  changed_when: false\n- name: act\n  copy: {content: "old {{ ver.stdout }}\\n", dest: "{{ d }}/upgraded"}\n  when: ver.stdout is version('2.0', '<')`);
    expect(statuses(r)).toEqual([['read', 'ok'], ['act', 'changed']]);
    expect(read('upgraded')).toBe('old 1.5\n');
  });

  it('an assert on a registered result is judged on the real result, not on the prediction', async () => {
    fs.writeFileSync(path.join(dir, 'state'), 'ready\n');
    const r = await run(`- name: read\n  command: cat {{ d }}/state\n  register: st\n  changed_when: false\n- name: check\n  assert: {that: "st.stdout == 'ready'"}`);
    expect(r.error).toBeUndefined();
    expect(statuses(r)).toEqual([['read', 'ok'], ['check', 'ok']]);
  });

  it('an assert that fails on the real result stops the host (it passed on the prediction)', async () => {
    fs.writeFileSync(path.join(dir, 'state'), 'ready\n');
    const r = await run(`- name: read\n  command: cat {{ d }}/state\n  register: st\n  changed_when: false\n- name: check\n  assert: {that: "st.stdout == ''"}\n- name: after\n  copy: {content: "x\\n", dest: "{{ d }}/after"}`);
    expect(r.status).toBe('failed');
    expect(statuses(r)).toEqual([['read', 'ok'], ['check', 'failed']]);
    expect(fs.existsSync(path.join(dir, 'after'))).toBe(false);
  });

  it('a set_fact from a registered result names the file a later task writes: it is read when known', async () => {
    fs.writeFileSync(path.join(dir, 'name'), 'target.conf\n');
    fs.writeFileSync(path.join(dir, 'target.conf'), 'old\n');
    const tasks = `- name: read\n  command: cat {{ d }}/name\n  register: n\n  changed_when: false\n  check_mode: false\n- name: pick\n  set_fact: {target: "{{ d }}/{{ n.stdout }}"}\n- name: write\n  copy: {content: "new\\n", dest: "{{ target }}"}`;
    const dry = await run(tasks, true);
    expect(statuses(dry)).toEqual([['read', 'ok'], ['pick', 'ok'], ['write', 'changed']]);
    expect(dry.tasks[2]!.diff).toContain('-old\n+new');
    expect(read('target.conf')).toBe('old\n');
    const r = await run(tasks);
    expect(r.error).toBeUndefined();
    expect(statuses(r)).toEqual([['read', 'ok'], ['pick', 'ok'], ['write', 'changed']]);
    expect(read('target.conf')).toBe('new\n');
  });

  it('a plan-time failure before any command still fails the host with nothing changed', async () => {
    const r = await run(`- name: write\n  copy: {content: "a\\n", dest: "{{ d }}/a"}\n- name: edit missing\n  lineinfile: {path: "{{ d }}/missing", line: x}\n- name: cmd\n  command: touch {{ d }}/b`);
    expect(r.status).toBe('failed');
    expect(statuses(r)).toEqual([['write', 'skipped'], ['edit missing', 'failed']]);
    expect(fs.existsSync(path.join(dir, 'a'))).toBe(false);
    expect(r.sessions).toBe(1);
  });

  it('a failure found when the tasks after a command are planned again stops there', async () => {
    const r = await run(`- name: cmd\n  command: touch {{ d }}/b\n- name: edit missing\n  lineinfile: {path: "{{ d }}/missing", line: x}\n- name: never\n  copy: {content: "n\\n", dest: "{{ d }}/never"}`);
    expect(r.status).toBe('failed');
    expect(statuses(r)).toEqual([['cmd', 'changed'], ['edit missing', 'failed']]);
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('a file first read while the play ran is restored when the host fails later', async () => {
    fs.writeFileSync(path.join(dir, 'name'), 'target.conf\n');
    fs.writeFileSync(path.join(dir, 'target.conf'), 'old\n');
    const r = await run(
      `- name: read\n  command: cat {{ d }}/name\n  register: n\n  changed_when: false\n- name: pick\n  set_fact: {target: "{{ d }}/{{ n.stdout }}"}\n- name: write\n  copy: {content: "new\\n", dest: "{{ target }}"}\n- name: boom\n  command: "false"`,
      false,
      false,
    );
    expect(r.status).toBe('rolled-back');
    expect(statuses(r)).toEqual([['read', 'ok'], ['pick', 'ok'], ['write', 'changed'], ['boom', 'failed']]);
    expect(read('target.conf')).toBe('old\n');
  });
});

describe('diffs: computed when wanted (--diff, or a dry-run), as in Ansible', () => {
  async function runWith(checkMode: boolean, diff: boolean | undefined): Promise<HostReport> {
    fs.writeFileSync(path.join(dir, 'f'), 'a\nold\n');
    const p = play(`- replace: {path: "{{ d }}/f", regexp: old, replace: new}`);
    const { main, vars, handlers } = prepare(p, checkMode);
    return runHostPlay(
      new LocalConnector(),
      { tasks: main.tasks, handlers: p.handlers, preparedHandlers: handlers, verify: [], rollback: [], vars },
      { checkMode, diff, noRollback: true, shell: { command: 'sh -s', stdinPrefix: 'command() { return 1; }\n' }, log: () => {} },
      'local',
    );
  }

  it('an apply without --diff changes the file and reports no diff; with --diff, the unified diff', async () => {
    const plain = await runWith(false, false);
    expect(plain.tasks[0]).toMatchObject({ status: 'changed' });
    expect(plain.tasks[0]!.diff).toBeUndefined();
    expect(read('f')).toBe('a\nnew\n');
    const withDiff = await runWith(false, true);
    expect(withDiff.tasks[0]!.diff).toContain('-old\n+new\n');
    expect(read('f')).toBe('a\nnew\n');
  });

  it('a dry-run has diffs even without --diff, and changes nothing', async () => {
    const dry = await runWith(true, false);
    expect(dry.tasks[0]).toMatchObject({ status: 'changed' });
    expect(dry.tasks[0]!.diff).toContain('-old\n+new\n');
    expect(read('f')).toBe('a\nold\n');
  });
});

describe("runHostPlay: an apply reads a handler's facts only once a task notifies it", () => {
  function runWithHandler(tasks: string, handler: string, checkMode = false): Promise<HostReport> {
    const f = path.join(dir, 'pb.yaml');
    fs.writeFileSync(f, `- hosts: all\n  vars: {d: ${JSON.stringify(dir)}}\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n  handlers:\n${handler.replace(/^/gm, '    ')}\n`);
    const p = loadPlaybook(f).plays[0]!;
    const { main, vars, handlers } = prepare(p, checkMode);
    return runHostPlay(
      new LocalConnector(),
      { tasks: main.tasks, handlers: p.handlers, preparedHandlers: handlers, verify: [], rollback: [], vars },
      { checkMode, noRollback: true, shell: { command: 'sh -s', stdinPrefix: 'command() { return 1; }\n' }, log: () => {} },
      'local',
    );
  }
  const task = `- name: edit\n  lineinfile: {path: "{{ d }}/app.conf", line: x=1}\n  notify: note it`;
  const handler = `- name: note it\n  replace: {path: "{{ d }}/handled", regexp: "^count=0$", replace: "count=1"}`;

  it('no-op: one round trip, the handler never read; a change: read, then applied with the tasks', async () => {
    fs.writeFileSync(path.join(dir, 'app.conf'), 'x=1\n');
    fs.writeFileSync(path.join(dir, 'handled'), 'count=0\n');
    const noop = await runWithHandler(task, handler);
    expect(statuses(noop)).toEqual([['edit', 'ok']]);
    expect(noop.roundTrips).toBe(1);
    fs.writeFileSync(path.join(dir, 'app.conf'), 'y=2\n');
    const r = await runWithHandler(task, handler);
    expect(r.error).toBeUndefined();
    expect(statuses(r)).toEqual([['edit', 'changed'], ['note it', 'changed']]);
    expect(r.roundTrips).toBe(3); // gather, the handler's facts, one apply script
    expect(read('app.conf')).toBe('y=2\nx=1\n');
    expect(read('handled')).toBe('count=1\n');
    // A dry-run reads them with the others: one round trip, and reports the handler.
    fs.writeFileSync(path.join(dir, 'app.conf'), 'z=3\n');
    fs.writeFileSync(path.join(dir, 'handled'), 'count=0\n');
    const dry = await runWithHandler(task, handler, true);
    expect(statuses(dry)).toEqual([['edit', 'changed'], ['note it', 'changed']]);
    expect(dry.roundTrips).toBe(1);
  });

  it('a handler that cannot be planned on what it reads fails the host before any file changes', async () => {
    fs.writeFileSync(path.join(dir, 'app.conf'), 'y=2\n');
    const r = await runWithHandler(task, handler); // "handled" does not exist
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/handler 'note it' failed: Path .*handled does not exist/);
    expect(statuses(r)).toEqual([['edit', 'skipped'], ['note it', 'failed']]);
    expect(read('app.conf')).toBe('y=2\n');
    expect(r.roundTrips).toBe(2); // gather, the handler's facts: no apply script
    // A dry-run says so too: the host fails, as the apply would.
    const dry = await runWithHandler(task, handler, true);
    expect(dry.status).toBe('failed');
    expect(statuses(dry)).toEqual([['edit', 'changed'], ['note it', 'failed']]);
  });
});

describe('check_mode: true on a task in a real run (found by parity-upstream up_cmd_run, up_cmd_creates)', () => {
  it('is planned and reported as in check mode and changes nothing, as in Ansible; the tasks around it run', async () => {
    const r = await run(
      [
        `- name: plain command\n  command: touch {{ d }}/ran\n  check_mode: yes`,
        `- name: command with creates\n  command: touch {{ d }}/created\n  args: {creates: "{{ d }}/created"}\n  check_mode: yes\n  register: c`,
        `- name: copy\n  copy: {content: "x\\n", dest: "{{ d }}/copied"}\n  check_mode: true`,
        `- name: result\n  copy: {content: "{{ c.changed }}\\n", dest: "{{ d }}/msg"}`,
      ].join('\n'),
    );
    expect(statuses(r)).toEqual([
      ['plain command', 'skipped'],
      ['command with creates', 'changed'],
      ['copy', 'changed'],
      ['result', 'changed'],
    ]);
    expect(['ran', 'created', 'copied'].filter((f) => fs.existsSync(path.join(dir, f)))).toEqual([]);
    expect(read('msg')).toBe('True\n');
  });
});
