/**
 * The host lock taken only when a run is about to change the host (`LockSpec` in
 * src/engine/remoteScript.ts): which scripts run `flock` at all, which step carries the lock
 * prologue, what the prologue does when another run held the lock, and the journal's void
 * snapshots. The shell parts run for real, as root, in private mount namespaces whose
 * /run/lock is a bind mount of a temp dir (this machine's /run/lock is never touched), with a
 * recording `flock` first in PATH.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnector } from '../../src/transport/local.js';
import { applyScript, collectFactRequests, gatherScript, lockPrologue, newToken, parseGather, HostLockedError, RelockError, type LockSpec } from '../../src/engine/remoteScript.js';
import { lockOnFirstChange, sessionRunner, type StepRunner } from '../../src/engine/stepRunner.js';
import { Journal, readRun, snapshotsByHost } from '../../src/journal/journal.js';
import { explainLockPermission } from '../../src/engine/script/hostLock.js';

const sh = new LocalConnector();
let dir: string;
let lockDir: string;
let target: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-lock-'));
  lockDir = path.join(dir, 'lock');
  fs.mkdirSync(lockDir);
  fs.mkdirSync(path.join(dir, 'bin'));
  // Records every flock call, then is the real one (exec: the same process, same fd 9).
  fs.writeFileSync(path.join(dir, 'bin', 'flock'), `#!/bin/sh\necho "$*" >> '${dir}/flock.log'\nexec /usr/bin/flock "$@"\n`, { mode: 0o755 });
  target = path.join(dir, 'target');
  fs.writeFileSync(target, 'original\n');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const withoutFlockProbe = (script: string) => script.replace(/command -v flock/g, '');
const req = () => collectFactRequests([{ kind: 'file', path: target }]);
const flockCalls = () => (fs.existsSync(path.join(dir, 'flock.log')) ? fs.readFileSync(path.join(dir, 'flock.log'), 'utf8').split('\n').filter(Boolean) : []);
const owner = () => (fs.existsSync(path.join(lockDir, 'crane-fix.owner')) ? fs.readFileSync(path.join(lockDir, 'crane-fix.owner'), 'utf8') : undefined);
// A node: its own mount namespace, /run/lock = lockDir, the recording flock first in PATH.
const NODE = () => `unshare --mount --propagation private sh -c 'mount --bind ${lockDir} /run/lock && exec sh -s'`;
const PATHED = () => `PATH='${dir}/bin':$PATH; export PATH\n`;

async function until(what: string, probe: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A held session after its gather, as runHostPlay opens it. */
async function gatherSession(lock: LockSpec) {
  const token = newToken();
  const holder = await sh.open(NODE(), { stdin: PATHED() + gatherScript(req(), lock, token), encoding: 'latin1', timeoutMs: 20_000 });
  const out = await holder.waitFor(`@@CF end ${token}\n`);
  return { holder, out };
}

/** Another run, whole: gather, a first changing step that takes the lock, then the session ends. */
function otherRun(runId: string, step: string) {
  return sh.run(NODE(), { stdin: PATHED() + gatherScript(req(), { when: 'on-change', runId, waitS: 10 }) + `(\n${lockPrologue({ runId, waitS: 10 })}${step}\n)\n`, encoding: 'latin1' });
}

describe('lock scripts (text)', () => {
  it("an apply's gather starts no flock: it only opens the lock file on fd 9 and sets the release trap", () => {
    const s = gatherScript(req(), { when: 'on-change', runId: 'r1', waitS: 30 });
    expect(withoutFlockProbe(s)).not.toMatch(/flock/);
    expect(s).toContain('exec 9>>"$L/crane-fix.lock"');
    expect(s).toContain('CFO=r1;');
    expect(s).toContain('trap cfexit EXIT');
    expect(s).not.toContain('@@CF lock ok');
  });

  it("a dry-run's gather runs flock only inside the branch for a non-empty owner file", () => {
    const s = gatherScript(req(), { when: 'if-held', runId: 'r1', waitS: 30 });
    const branch = s.split('\n').find((l) => l.includes('if [ -s "$L/crane-fix.owner" ]; then CFH=1;'))!;
    expect(branch).toMatch(/flock -n -s 9 9>&9 \|\| .*flock -w 30 -s 9 9>&9/);
    expect(withoutFlockProbe(s.replace(branch, ''))).not.toMatch(/flock/);
  });

  it('rollback keeps taking the lock in its gather', () => {
    expect(gatherScript(req(), { when: 'now', exclusive: true, runId: 'r1', waitS: 5 })).toMatch(/^flock -n -x 9 9>&9 \|\| .*flock -w 5 -x 9 9>&9/m);
    expect(gatherScript(req(), { when: 'now', exclusive: false, runId: 'r1', waitS: 5 })).toMatch(/^flock -n -s 9/m);
  });
});

describe('lockOnFirstChange', () => {
  const fake = (answers: string[]) => {
    const sent: string[] = [];
    const run: StepRunner = async (script) => {
      sent.push(script);
      return { rc: 0, stdout: answers.shift() ?? '', stderr: '' };
    };
    return { run, sent };
  };
  const prologue = lockPrologue({ runId: 'r1', waitS: 7 }).split('\n')[0]!;

  it('prepends the lock prologue to the first script that is not read-only, and to no other', async () => {
    const { run, sent } = fake([]);
    const aborted: string[] = [];
    const r = lockOnFirstChange(run, { runId: 'r1', waitS: 7, stepMs: 1000 }, (why) => aborted.push(why));
    await r('regather', { readOnly: true });
    await r('apply 1');
    await r('regather 2', { readOnly: true });
    await r('apply 2');
    expect(sent).toHaveLength(4);
    expect(sent[0]).toBe('regather');
    expect(sent[1]!.startsWith(prologue)).toBe(true);
    expect(sent[1]!.endsWith('apply 1')).toBe(true);
    expect(sent[1]).toContain('flock -w 7 -x 9');
    expect(sent.slice(2)).toEqual(['regather 2', 'apply 2']);
    expect(aborted).toEqual([]);
  });

  it('relock: RelockError, the snapshots are void, and the lock is held from then on', async () => {
    const { run, sent } = fake(['@@CF relock\n']);
    const aborted: string[] = [];
    const r = lockOnFirstChange(run, { runId: 'r1', waitS: 7, stepMs: 1000 }, (why) => aborted.push(why));
    await expect(r('apply 1')).rejects.toBeInstanceOf(RelockError);
    expect(aborted).toEqual(['relock']);
    await r('apply again');
    expect(sent[1]).toBe('apply again');
  });

  it('locked: HostLockedError naming the owner; the next change tries again', async () => {
    const { run, sent } = fake(['@@CF locked other-run\n']);
    const aborted: string[] = [];
    const r = lockOnFirstChange(run, { runId: 'r1', waitS: 0, stepMs: 1000 }, (why) => aborted.push(why));
    await expect(r('apply 1')).rejects.toThrow(new HostLockedError('other-run').message);
    expect(aborted).toEqual(['locked']);
    await r('apply 2');
    expect(sent[1]!.startsWith(prologue)).toBe(true);
  });
});

describe('snapshotsByHost and snapshots-void', () => {
  it('forgets the latest snapshot of each voided path; the next one counts; an earlier play’s stays first', () => {
    const root = fs.mkdtempSync(path.join(dir, 'j-'));
    const j = Journal.create(root, { runId: 'rv', mode: 'apply', startedAt: new Date().toISOString(), argv: [], playbooks: [], hosts: {} });
    const snap = (p: string, sha: string) => ({ path: p, existed: true, sha256: sha });
    // play 1 on h1 changed /y
    j.append({ type: 'snapshot', host: 'h1', snap: snap('/y', 'y0') });
    // play 2: its first step was stopped (relock) — /x and /y snapshotted for it, void
    j.append({ type: 'snapshot', host: 'h1', snap: snap('/x', 'x-stale') });
    j.append({ type: 'snapshot', host: 'h1', snap: snap('/y', 'y-stale') });
    j.append({ type: 'snapshot', host: 'h2', snap: snap('/x', 'h2-x') });
    j.append({ type: 'snapshots-void', host: 'h1', paths: ['/x', '/y'], reason: 'relock' });
    // play 2 again, from the facts read after the other run
    j.append({ type: 'snapshot', host: 'h1', snap: snap('/x', 'x-after-other-run') });
    // h3: its only step was locked out
    j.append({ type: 'snapshot', host: 'h3', snap: snap('/z', 'z0') });
    j.append({ type: 'snapshots-void', host: 'h3', paths: ['/z'], reason: 'locked' });
    j.close();
    const by = snapshotsByHost(readRun(root, 'rv'));
    expect(by.get('h1')!.map((s) => [s.path, s.sha256])).toEqual([
      ['/y', 'y0'],
      ['/x', 'x-after-other-run'],
    ]);
    expect(by.get('h2')!.map((s) => s.sha256)).toEqual(['h2-x']);
    expect(by.has('h3')).toBe(false);
  });
});

describe.skipIf(process.getuid?.() !== 0)('the lock on a real shell (private /run/lock)', () => {
  it("an apply's gather and a no-op session start no flock, and leave the owner file alone", async () => {
    fs.writeFileSync(path.join(lockDir, 'crane-fix.owner'), 'someone-else\n');
    const { holder, out } = await gatherSession({ when: 'on-change', runId: 'B', waitS: 5 });
    expect(parseGather(req(), out).files.get(target)).toMatchObject({ content: 'original\n' });
    await holder.end();
    expect(flockCalls()).toEqual([]);
    expect(fs.existsSync(path.join(lockDir, 'crane-fix.lock'))).toBe(true);
    expect(owner()).toBe('someone-else\n'); // not ours: the release trap leaves it
  });

  it('a dry-run takes no lock while the owner file is empty or absent, one shared flock when it is not (stale)', async () => {
    const d1 = await gatherSession({ when: 'if-held', runId: 'D1', waitS: 5 });
    await d1.holder.end();
    fs.writeFileSync(path.join(lockDir, 'crane-fix.owner'), '');
    const d2 = await gatherSession({ when: 'if-held', runId: 'D2', waitS: 5 });
    await d2.holder.end();
    expect(flockCalls()).toEqual([]);
    for (const d of [d1, d2]) expect(parseGather(req(), d.out).relock).toBeUndefined();
    // A holder SIGKILLed before its release trap ran: its id stays, nobody holds the lock.
    fs.writeFileSync(path.join(lockDir, 'crane-fix.owner'), 'dead-run\n');
    const t0 = Date.now();
    const d3 = await gatherSession({ when: 'if-held', runId: 'D3', waitS: 5 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(d3.out).toContain('@@CF lock ok');
    expect(parseGather(req(), d3.out).relock).toBeUndefined();
    expect(flockCalls()).toEqual(['-n -s 9']);
    await d3.holder.end();
    expect(owner()).toBe(''); // D3 recorded itself, and released it on exit
  });

  it('a dry-run whose facts were read while a run took the lock says relock', async () => {
    // The fact command plays the other run: it records itself as the owner mid-gather.
    const q = collectFactRequests([{ kind: 'file', path: target }, { kind: 'command', key: 'k', command: "printf 'A\\n' > /run/lock/crane-fix.owner" }]);
    const token = newToken();
    const r = await sh.run(NODE(), { stdin: PATHED() + gatherScript(q, { when: 'if-held', runId: 'D', waitS: 5 }, token), encoding: 'latin1' });
    expect(parseGather(q, r.stdout).relock).toBe(true);
    expect(flockCalls()).toEqual([]);
  });

  it('nobody else: the first change takes the lock at once and runs; a step with a temp dir does not release it; the session end does', async () => {
    const { holder } = await gatherSession({ when: 'on-change', runId: 'B', waitS: 5 });
    const aborted: string[] = [];
    const run = lockOnFirstChange(sessionRunner(holder), { runId: 'B', waitS: 5, stepMs: 10_000 }, (w) => aborted.push(w));
    const r1 = await run(`echo changed > '${target}'; echo step-ran`);
    expect(r1.stdout).toBe('step-ran\n');
    expect(flockCalls()).toEqual(['-n -x 9']);
    expect(owner()).toBe('B\n');
    expect(fs.readFileSync(path.join(lockDir, 'crane-fix.lock'), 'utf8')).toMatch(/^B \S+\n$/);
    // An exec op with stdin makes a temp dir (mkT: EXIT trap in the step's subshell).
    const r2 = await run(applyScript([{ id: 0, op: { op: 'exec', command: 'cat', stdin: 'via temp file' } }]));
    expect(r2.stdout).toContain('via temp file');
    expect(owner()).toBe('B\n'); // the step's trap removed its temp dir only
    expect(flockCalls()).toHaveLength(1);
    await holder.end();
    expect(owner()).toBe(''); // the main shell's trap: released
    expect(aborted).toEqual([]);
  });

  it('another run holding the lock: the step waits, stops before doing anything (relock), and the lock stays held', async () => {
    const { holder } = await gatherSession({ when: 'on-change', runId: 'B', waitS: 10 });
    const a = otherRun('A', `echo A > '${target}'; sleep 1`);
    await until('run A to hold the lock', () => owner() === 'A\n');
    const aborted: string[] = [];
    const run = lockOnFirstChange(sessionRunner(holder), { runId: 'B', waitS: 10, stepMs: 10_000 }, (w) => aborted.push(w));
    await expect(run(`echo B > '${target}'`)).rejects.toBeInstanceOf(RelockError);
    expect((await a).rc).toBe(0);
    expect(aborted).toEqual(['relock']);
    expect(fs.readFileSync(target, 'utf8')).toBe('A\n'); // B's step did not run
    expect(owner()).toBe('B\n');
    // Held by B's session now: a third run cannot have it.
    const c0 = await sh.run(NODE(), { stdin: PATHED() + gatherScript(req(), { when: 'on-change', runId: 'C', waitS: 0 }) + `(\n${lockPrologue({ runId: 'C', waitS: 0 })}echo C > '${target}'\n)\n`, encoding: 'latin1' });
    expect(c0.stdout).toContain('@@CF locked B');
    const next = await run(`cat '${target}'`);
    expect(next.stdout).toBe('A\n');
    await holder.end();
    expect(owner()).toBe('');
  }, 20_000);

  it('another run that took and released the lock between our gather and our first change: relock too', async () => {
    const { holder } = await gatherSession({ when: 'on-change', runId: 'B', waitS: 10 });
    expect((await otherRun('A', `echo A > '${target}'`)).rc).toBe(0);
    expect(owner()).toBe(''); // A released
    const run = lockOnFirstChange(sessionRunner(holder), { runId: 'B', waitS: 10, stepMs: 10_000 }, () => {});
    await expect(run(`echo B > '${target}'`)).rejects.toBeInstanceOf(RelockError);
    expect(flockCalls().filter((c) => c === '-n -x 9')).toHaveLength(2); // A's, B's: B did not wait
    expect(fs.readFileSync(target, 'utf8')).toBe('A\n');
    await holder.end();
  });

  // One lock for root and for a non-root become_user (src/engine/script/hostLock.ts).
  it('the first gather makes the lock files 0666; a non-root user can then take the lock, and gets the marked refusal on 0644 files', async () => {
    const mode = (f: string) => (fs.statSync(path.join(lockDir, f)).mode & 0o777).toString(8);
    const d1 = await gatherSession({ when: 'now', exclusive: true, runId: 'root-run', waitS: 1 });
    await d1.holder.end();
    expect([mode('crane-fix.lock'), mode('crane-fix.owner')]).toEqual(['666', '666']);
    // As nobody (a become_user), in the same kind of node.
    const asNobody = () => `unshare --mount --propagation private sh -c 'mount --bind ${lockDir} /run/lock && exec setpriv --reuid=65534 --regid=65534 --clear-groups sh -s'`;
    const token = newToken();
    const ok = await sh.run(asNobody(), { stdin: gatherScript(req(), { when: 'now', exclusive: true, runId: 'nobody-run', waitS: 1 }, token), encoding: 'latin1', timeoutMs: 20_000 });
    expect(ok.stdout, ok.stderr).toContain('@@CF lock ok');
    expect(ok.stdout).toContain(`@@CF end ${token}`);
    expect(fs.readFileSync(path.join(lockDir, 'crane-fix.lock'), 'utf8')).toMatch(/^nobody-run /);
    fs.chmodSync(path.join(lockDir, 'crane-fix.lock'), 0o644);
    fs.chmodSync(path.join(lockDir, 'crane-fix.owner'), 0o644);
    const refused = await sh.run(asNobody(), { stdin: gatherScript(req(), { when: 'now', exclusive: true, runId: 'nobody-run', waitS: 1 }, newToken()), encoding: 'latin1', timeoutMs: 20_000 });
    expect(refused.rc).toBe(7);
    expect(refused.stdout).not.toContain('@@CF lock ok');
    expect(explainLockPermission(refused.stderr)).toMatch(/^the host lock files \/run\/lock\/crane-fix.lock and \/run\/lock\/crane-fix.owner are not writable .*chmod 0666/);
    // Root is not refused by 0644 files, and a gather does not change an existing file's mode.
    const d2 = await gatherSession({ when: 'now', exclusive: true, runId: 'root-run-2', waitS: 1 });
    await d2.holder.end();
    expect([mode('crane-fix.lock'), mode('crane-fix.owner')]).toEqual(['644', '644']);
  });
});
