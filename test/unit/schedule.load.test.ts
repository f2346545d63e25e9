/**
 * Schedule files: every problem at its exact file:line:col, all problems of a file at once,
 * and the consent rule (irreversible-but-harmless allowed, destructive refused in apply mode).
 */
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSchedule, loadSchedule, planJob } from '../../src/schedule/load.js';
import { InputError, EXIT } from '../../src/errors.js';
import { PLAYBOOK_DIR } from '../../src/engine/targets.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures', 'schedules');
const f = (name: string) => path.join(FIX, name);

/** [line, col, message] of each problem, for exact comparisons. */
function problems(file: string, opts = { deep: true }): [number | undefined, number | undefined, string][] {
  return checkSchedule(file, opts).errors.map((e) => {
    const w = e.where as { file?: string; line?: number; col?: number } | undefined;
    return [w?.line, w?.col, e.detail];
  });
}

/** A schedule file in a temp dir next to a copy of the fixture inventory and playbooks. */
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
function tmpSchedule(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sched-'));
  made.push(dir);
  fs.copyFileSync(f('inventory.ini'), path.join(dir, 'inventory.ini'));
  fs.cpSync(f('playbooks'), path.join(dir, 'playbooks'), { recursive: true });
  const file = path.join(dir, 'schedule.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const JOB = (extra = '') => `jobs:\n  - name: j\n    cron: "0 3 * * *"\n    inventory: inventory.ini\n    fixes: [resolv-conf-trim]\n    mode: apply\n${extra}`;

describe('schedule files: valid', () => {
  it('loads every field, paths relative to the schedule file', () => {
    const s = loadSchedule(f('valid.yaml'), { deep: true });
    expect(s.file).toBe(f('valid.yaml'));
    expect(s.jobs.map((j) => j.name)).toEqual(['trim-resolv', 'dns-check', 'drop-caches', 'slow']);
    const [trim, dns, drop, slow] = s.jobs;
    expect(trim).toMatchObject({
      cron: '0 3 * * *',
      timezone: 'Asia/Shanghai',
      inventory: f('inventory.ini'),
      fixes: ['resolv-conf-trim'],
      playbooks: [],
      limit: 'kube-node',
      serial: '25%',
      maxFailPercent: 10,
      mode: 'apply',
      jitterMs: 300_000,
      timeoutMs: 1_800_000,
      extraVars: {},
    });
    expect(trim!.pos).toEqual({ file: f('valid.yaml'), line: 3, col: 5 });
    expect(trim!.valuePos.cron).toEqual({ file: f('valid.yaml'), line: 4, col: 11 });
    expect(dns).toMatchObject({ mode: 'check', fixes: ['clusterip-dns', 'xfs-ftype'], extraVars: { dns_cluster_ip: '10.9.0.10' }, jitterMs: 0, timeoutMs: undefined });
    // A single string is a one-item list.
    expect(drop!.fixes).toEqual(['drop-caches']);
    // `-e` syntax strings, and a playbook path made absolute.
    expect(slow).toMatchObject({ playbooks: [f('playbooks/slow.yaml')], serial: '1', extraVars: { dns_cluster_ip: '10.9.0.10' } });
  });

  it('irreversible but harmless steps are allowed: drop-caches, a command task (the schedule file is the consent)', () => {
    expect(problems(f('valid.yaml'))).toEqual([]);
  });

  it('plans each job: detectors in check mode, the fix playbooks in apply mode, then the playbooks', () => {
    const s = loadSchedule(f('valid.yaml'));
    expect(planJob(s.jobs[0]!)).toEqual({ detectorIds: [], playbooks: [path.join(PLAYBOOK_DIR, 'resolv-conf-trim.yaml')] });
    expect(planJob(s.jobs[1]!)).toEqual({ detectorIds: ['clusterip-dns', 'xfs-ftype'], playbooks: [] });
    expect(planJob(s.jobs[3]!)).toEqual({ detectorIds: [], playbooks: [f('playbooks/slow.yaml')] });
  });
});

describe('schedule files: problems at exact positions', () => {
  it('reports every shape problem of a file, in file order', () => {
    const p = problems(f('bad/shape.yaml'));
    expect(p.map(([l, c]) => `${l}:${c}`)).toEqual([
      '12:5', // unknown key maxFailPercentage
      '13:11', // job name with a space
      '14:11', // minute 61
      '15:15', // unknown time zone
      '16:16', // inventory missing
      '17:17', // playbook missing
      '18:11', // mode
      '19:13', // serial 0
      '20:13', // jitter
      '21:14', // timeout 0
      '22:5', // job without a name
      '24:13', // unknown fix id
      '24:26', // advice-only entry in apply mode
      '26:5', // no fixes/playbooks
      '26:11', // duplicate name
      '27:11', // cron not a string
    ]);
    const msg = p.map(([, , m]) => m);
    expect(msg[0]).toMatch(/unknown job key "maxFailPercentage" \(did you mean maxFailPercent\?\)/);
    expect(msg[2]).toBe('bad cron pattern "61 * * * *": Invalid value for minute: 61');
    expect(msg[3]).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(msg[4]).toBe(`inventory ${f('missing.ini')} does not exist (paths are relative to the schedule file)`);
    expect(msg[10]).toBe('missing `name:`');
    expect(msg[11]).toMatch(/^unknown problem id "no-such-fix"; known ids: xfs-ftype, /);
    expect(msg[12]).toMatch(/'istio-1-6-6-skip' is advice only/);
    expect(msg[14]).toBe('duplicate job name "ok-job" (first at line 2)');
  });

  it('loadSchedule throws one InputError (exit 1) naming file:line:col of each problem', () => {
    let err: unknown;
    try {
      loadSchedule(f('bad/shape.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe(EXIT.INPUT);
    const lines = (err as InputError).message.split('\n');
    expect(lines[0]).toBe(`${f('bad/shape.yaml')}:12:5: unknown job key "maxFailPercentage" (did you mean maxFailPercent?); job keys: name, cron, timezone, inventory, fixes, playbooks, limit, serial, maxFailPercent, mode, jitter, timeout, extraVars`);
    expect(lines).toHaveLength(16);
  });

  it('an unquoted cron pattern starting with * points at the *', () => {
    expect(problems(f('bad/syntax.yaml'))).toEqual([[3, 11, `cron pattern must be quoted: YAML reads a value starting with '*' as an alias (write cron: "*/5 * * * *")`]]);
  });

  it('other YAML syntax errors: the first one, at its position', () => {
    const p = problems(tmpSchedule('jobs:\n  - name: a\n    cron: "0 3 * * *"\n   mode: apply\n'));
    expect(p).toHaveLength(1);
    expect(p[0]!.slice(0, 2)).toEqual([4, 1]);
    expect(p[0]![2]).toMatch(/^YAML syntax error: /);
  });

  it('refuses destructive work in apply mode: catalogue entries and playbook tasks (filesystem, hostname)', () => {
    const p = problems(f('bad/destructive.yaml'));
    expect(p.map(([l, c]) => `${l}:${c}`)).toEqual(['13:9', '20:9', '21:9', '26:13']);
    expect(p[0]![2]).toMatch(/^job 'mkfs': fix 'xfs-ftype' is destructive .*never scheduled/);
    expect(p[1]![2]).toBe(
      "job 'wipe': playbook ../playbooks/wipe.yaml has a destructive step — task 'make a fresh filesystem' (../playbooks/wipe.yaml:8:7) uses filesystem, which destroys data or identity; destructive steps need a typed confirmation and are never scheduled: run it by hand with crane-fix apply",
    );
    expect(p[2]![2]).toMatch(/task 'set the hostname' \(\.\.\/playbooks\/rename\.yaml:4:7\) uses hostname/);
    expect(p[3]![2]).toMatch(/^job 'lowercase': fix 'hostname-lowercase' is destructive/);
    // Check mode runs detectors only: the same destructive fixes are fine there (job detect-ftype, line 3).
    expect(p.some(([l]) => l! < 8)).toBe(false);
  });

  it('deep checks: required fix vars, the limit, extraVars', () => {
    const p = problems(f('bad/deep.yaml'));
    expect(p).toEqual([
      [5, 13, "job 'needs-var': fix 'clusterip-dns' needs dns_cluster_ip (The new ClusterIP of the DNS Service (Crane: dns_cluster_ip)): set it under extraVars: or as an inventory var of every host"],
      [16, 12, "limit: 'no-such-group' matches no group or host in the inventory"],
      [24, 17, "extraVars: expected key=value, got 'just-a-word'"],
    ]);
    // Not deep (schedule list): only the shape.
    expect(problems(f('bad/deep.yaml'), { deep: false })).toEqual([[24, 17, "extraVars: expected key=value, got 'just-a-word'"]]);
  });

  it('a bad playbook is reported at its own file:line:col', () => {
    const file = tmpSchedule(JOB().replace('fixes: [resolv-conf-trim]', 'playbooks: [playbooks/broken.yaml]'));
    fs.writeFileSync(path.join(path.dirname(file), 'playbooks', 'broken.yaml'), '- hosts: all\n  tasks:\n    - name: typo\n      replace:\n        path: /etc/x\n        regex: a\n        replace: b\n');
    const errs = checkSchedule(file, { deep: true }).errors;
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message.startsWith(`${path.join(path.dirname(file), 'playbooks', 'broken.yaml')}:`)).toBe(true);
    expect(errs[0]!.message).toMatch(/^[^:]+:\d+:\d+: .*\b(regexp?)\b/);
  });

  it('file-level problems', () => {
    const cases: [string, [number | undefined, number | undefined, string]][] = [
      ['', [undefined, undefined, 'schedule file is empty: expected `jobs:` with a list of jobs']],
      ['- a\n- b\n', [1, 1, 'a schedule file is a mapping with a `jobs:` list']],
      ['job:\n  - name: x\n', [1, 1, 'unknown top-level key "job": a schedule file has only `jobs:`']],
      ['jobs: []\n', [1, 7, '`jobs:` must be a non-empty list of jobs']],
      ['jobs:\n  - just a string\n', [2, 5, 'each job is a mapping (name:, cron:, inventory:, mode:, fixes: or playbooks:, ...)']],
    ];
    for (const [text, want] of cases) {
      const p = problems(tmpSchedule(text));
      expect(p[0], JSON.stringify(text)).toEqual(want);
    }
    expect(() => loadSchedule('/nonexistent/schedule.yaml')).toThrow('/nonexistent/schedule.yaml: schedule file not found');
  });

  it('cron patterns croner would misread, and patterns that never fire', () => {
    const at = (cron: string) => problems(tmpSchedule(JOB().replace('"0 3 * * *"', JSON.stringify(cron))));
    expect(at('0 0 ? * *')).toEqual([[3, 11, `bad cron pattern "0 0 ? * *": '?' is not supported: croner replaces it with the time the file was read; use '*'`]]);
    expect(at('0 0 * * 5L')[0]![2]).toMatch(/'L' in day-of-week is ambiguous here; write the last weekday of a month as e\.g\. FRI#L/);
    expect(at('0 0 0 * * * *')[0]![2]).toMatch(/has 5 fields .* or 6 .*; this one has 7/);
    expect(at('@fortnightly')[0]![2]).toMatch(/unknown nickname @fortnightly/);
    expect(at('0 0 30 2 *')).toEqual([[3, 11, 'cron pattern "0 0 30 2 *" never fires']]);
    expect(at('0 0 * * FRI#L')).toEqual([]);
    expect(at('@daily')).toEqual([]);
    expect(at('*/2 * * * * *')).toEqual([]);
  });

  it('values of the wrong kind', () => {
    const p = (extra: string) => problems(tmpSchedule(JOB(extra)));
    expect(p('    serial: 101%\n')).toEqual([[7, 13, '`serial:` must be a positive number of hosts or a percentage like "25%", got "101%"']]);
    expect(p('    maxFailPercent: 150\n')).toEqual([[7, 21, '`maxFailPercent:` must be a number from 0 to 100, got 150']]);
    expect(p('    limit:\n')).toEqual([[7, 5, '`limit:` has no value in job \'j\'']]);
    expect(p('    timezone: [UTC]\n')).toEqual([[7, 15, '`timezone:` must be a single value, not a list']]);
    expect(p('    extraVars: 5\n')).toEqual([[7, 16, '`extraVars:` must be a mapping of variables (or a list of k=v / @file strings)']]);
    expect(p('    jitter: 90\n    timeout: 1h30m\n')).toEqual([]);
  });

  it('`schedule once <job>` checks that job deeply and only the shape of the others', () => {
    const file = tmpSchedule(`${JOB()}  - name: other\n    cron: "0 4 * * *"\n    inventory: elsewhere/inventory.ini\n    fixes: [xfs-ftype]\n    mode: apply\n`);
    expect(checkSchedule(file, { deep: true, only: 'j' }).errors).toEqual([]);
    expect(problems(file)).toEqual([[9, 16, `inventory ${path.join(path.dirname(file), 'elsewhere', 'inventory.ini')} does not exist (paths are relative to the schedule file)`]]);
    // With its inventory in place, the other job's destructive fix is found by a full check only.
    fs.mkdirSync(path.join(path.dirname(file), 'elsewhere'));
    fs.copyFileSync(f('inventory.ini'), path.join(path.dirname(file), 'elsewhere', 'inventory.ini'));
    expect(problems(file).map(([l, c]) => `${l}:${c}`)).toEqual(['10:13']);
    expect(checkSchedule(file, { deep: true, only: 'j' }).errors).toEqual([]);
    const e = checkSchedule(file, { deep: true, only: 'nope' }).errors;
    expect(e.map((x) => x.message)).toEqual([`<job>: no job named "nope" in ${file}; jobs: j, other`]);
  });

  it('extraVars @file is read relative to the schedule file', () => {
    const file = tmpSchedule(JOB('    extraVars: ["@vars/dns.yaml", "x=1"]\n'));
    fs.mkdirSync(path.join(path.dirname(file), 'vars'));
    fs.writeFileSync(path.join(path.dirname(file), 'vars', 'dns.yaml'), 'dns_cluster_ip: 10.9.0.10\nx: 0\n');
    const s = loadSchedule(file, { deep: true });
    expect(s.jobs[0]!.extraVars).toEqual({ dns_cluster_ip: '10.9.0.10', x: '1' });
    expect(s.jobs[0]!.varsFiles).toEqual([path.join(path.dirname(file), 'vars', 'dns.yaml')]);
  });
});
