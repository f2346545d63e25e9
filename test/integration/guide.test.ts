/**
 * Issue 5's "done when" for `crane-fix guide`: the real CLI (node dist/bin/crane-fix.js guide …) in a
 * real pseudo-terminal (a tmux pane of fixed size, driven by send-keys / paste-buffer and read
 * back with capture-pane), against 4 real lab nodes:
 *  - a cancelled session: Ctrl-C at the last question -> exit 130, no node changed, no journal;
 *  - a whole session: paste the kubelet "Nameserver limits were exceeded" line -> diagnose ->
 *    resolv-conf-trim -> scan picks the affected node -> diff -> confirm -> apply -> keep; the
 *    node changed, the others did not, and the printed command is the equivalent one;
 *  - a Chinese session (zh LANG): required var, apply, then roll back from the guide.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, nodeExec, type LabNode, type LabState } from '../../src/lab/lab.js';
import { CLI, ROOT, cli, skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-test-guide';
const TMUX = '/usr/bin/tmux';
const execFileP = promisify(execFile);

const tmuxMissing = fs.existsSync(TMUX) ? undefined : `${TMUX} not found (apt-get install tmux)`;
if (tmuxMissing) console.warn(`[integration] guide SKIPPED: ${tmuxMissing}`);
const skip = skipReason ?? tmuxMissing;

const KUBELET_LINE =
  'Dec 24 11:13:31 BJ-M8-HADOOP-105-144 kubelet[3680]: E1224 11:13:31.677889    3680 dns.go:135] Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.100.20.105 10.100.105.11 10.100.21.240';

/**
 * One terminal: a tmux session on a private server (its own socket and config), running a
 * command whose exit status is printed as `[exit N]` in the pane when it ends.
 */
class Term {
  private static n = 0;
  readonly name: string;

  constructor(
    /** Path of the private server's socket (inside the test's temp dir). */
    private readonly socket: string,
    readonly conf: string,
  ) {
    this.name = `guide${++Term.n}`;
  }

  private tmux(...args: string[]): string {
    return execFileSync(TMUX, ['-S', this.socket, '-f', this.conf, ...args], { encoding: 'utf8', timeout: 10_000 });
  }

  start(argv: string[], env: Record<string, string>): void {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const envArgs = Object.entries(env).map(([k, v]) => q(`${k}=${v}`)).join(' ');
    const cmd = `cd ${q(ROOT)} && env -u LC_ALL -u LC_MESSAGES -u LANGUAGE ${envArgs} ${q(process.execPath)} ${argv.map(q).join(' ')}; echo "[exit $?]"; sleep 600`;
    this.tmux('new-session', '-d', '-s', this.name, '-x', '200', '-y', '50', cmd);
  }

  /** The whole pane, scrollback included, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name);
  }

  async waitFor(what: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (typeof what === 'string' ? s.includes(what) : what.test(s)) {
        if (process.env.GUIDE_TEST_TIMING) console.log(`${new Date().toISOString()} ${String(what)}`);
        return s;
      }
      // The program ended without showing it: no point in waiting.
      if (/\[exit \d+\]/.test(s)) throw new Error(`the program exited while waiting for ${String(what)}; screen:\n${s}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** A real paste: the text arrives in one burst, newlines as CR, as from a terminal. */
  paste(text: string): void {
    this.tmux('set-buffer', '-b', this.name, text);
    this.tmux('paste-buffer', '-d', '-b', this.name, '-t', this.name);
  }

  /** In the current select/checkbox, move the cursor (❯) to the choice containing `label`. */
  async moveTo(label: string): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const lines = this.screen().split('\n');
      const active = [...lines].reverse().find((l) => l.includes('❯'));
      if (active?.includes(label)) return;
      this.keys('Down');
      // Wait for the redraw before looking again.
      const before = active;
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        const now = [...this.screen().split('\n')].reverse().find((l) => l.includes('❯'));
        if (now !== before) break;
      }
    }
    throw new Error(`no choice "${label}" in:\n${this.screen()}`);
  }

  async choose(label: string): Promise<void> {
    await this.moveTo(label);
    this.keys('Enter');
  }

  async exitCode(timeoutMs = 60_000): Promise<number> {
    const s = await this.waitFor(/\[exit (\d+)\]/, timeoutMs);
    return Number(/\[exit (\d+)\]/.exec(s)![1]);
  }

  kill(): void {
    try {
      this.tmux('kill-session', '-t', this.name);
    } catch {
      // already gone
    }
  }
}

async function resolvState(n: LabNode): Promise<string> {
  const r = await nodeExec(n, 'sha256sum /etc/resolv.conf; stat -c "%a %u %g" /etc/resolv.conf');
  return r.stdout;
}

async function nameservers(n: LabNode): Promise<string[]> {
  const r = await nodeExec(n, 'cat /etc/resolv.conf');
  return r.stdout.split('\n').filter((l) => /^nameserver\s/.test(l)).map((l) => l.split(/\s+/)[1]!);
}

describe.skipIf(skip)('crane-fix guide in a terminal (tmux) on lab nodes', () => {
  let state: LabState;
  let tmp: string;
  let conf: string;
  let socket: string;
  const terms: Term[] = [];
  const term = () => {
    const t = new Term(socket, conf);
    terms.push(t);
    return t;
  };
  const node = (name: string) => state.nodes.find((n) => n.name === name)!;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-guide-test-'));
    conf = path.join(tmp, 'tmux.conf');
    socket = path.join(tmp, 'tmux.sock');
    // Plenty of scrollback: the tests read the whole session back.
    fs.writeFileSync(conf, 'set -g history-limit 50000\nset -g default-terminal "screen"\n');
    state = await labUp({ nodes: 4, dir: DIR, subnet: 4, disks: false });
    // The seeded problems these sessions rely on.
    expect(await nameservers(node('node03'))).toHaveLength(5);
    expect(await nameservers(node('node04'))).toHaveLength(0);
    // `guide` must be a command of the real CLI.
    const help = await cli(['guide', '--help']);
    expect(help.code, `${CLI} guide --help:\n${help.stderr}`).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const t of terms) t.kill();
    try {
      if (socket) execFileSync(TMUX, ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // no server left
    }
    // Only a lab this file brought up: another run's lab in the same dir is not ours to stop.
    if (state) await labDown({ dir: DIR });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('Ctrl-C at the last question: exit 130, nothing changed on any node, no journal', async () => {
    const journal = path.join(tmp, 'journal-cancel');
    const before = await Promise.all(state.nodes.map(resolvState));
    const t = term();
    t.start([CLI, 'guide', '-i', state.inventoryIni, '--journal-dir', journal], { LANG: 'C.UTF-8' });
    await t.waitFor('How do you want to start?');
    await t.choose('Scan the nodes for known problems');
    await t.waitFor('Problems found — which one do you want to fix?');
    await t.choose('resolv-conf-trim');
    await t.waitFor('On which hosts?');
    await t.choose('Only the affected hosts (1: node03)');
    await t.waitFor('Use these hosts?');
    t.keys('Enter');
    await t.waitFor('Change any of these values?');
    t.keys('Enter');
    const s = await t.waitFor('Apply this fix to 1 host(s)?');
    expect(s).toContain('-nameserver 10.100.21.241');
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(t.screen()).toContain('Cancelled — nothing was changed.');
    expect(await Promise.all(state.nodes.map(resolvState))).toEqual(before);
    expect(fs.existsSync(journal) ? fs.readdirSync(journal) : []).toEqual([]);
  });

  it('a whole session: paste the kubelet error, scan, preview, confirm, apply, keep', async () => {
    const journal = path.join(tmp, 'journal-en');
    const before = new Map(await Promise.all(state.nodes.map(async (n) => [n.name, await resolvState(n)] as const)));
    const t = term();
    t.start([CLI, 'guide', '-i', state.inventoryIni, '--journal-dir', journal], { LANG: 'C.UTF-8' });
    await t.waitFor('How do you want to start?');
    await t.choose('Paste an error message');
    await t.waitFor('Paste the error message, then press Enter on an empty line:');
    t.paste(`${KUBELET_LINE}\n`);
    await t.waitFor('the applied nameserver line is');
    await new Promise((r) => setTimeout(r, 300)); // a person, not a paste, presses Enter
    t.keys('Enter');
    let s = await t.waitFor('Which problem do you want to fix?');
    expect(s).toContain('Known problems matching what you pasted (1):');
    expect(s).toContain('resolv-conf-trim — More than 3 nameservers in /etc/resolv.conf');
    expect(s).toContain('line 1: Dec 24 11:13:31 BJ-M8-HADOOP-105-144 kubelet[3680]');
    await t.choose('resolv-conf-trim');
    await t.waitFor('On which hosts?');
    await t.choose('Scan for this problem and take only the affected hosts');
    s = await t.waitFor('Use these hosts?');
    expect(s).toMatch(/node03: affected — 5 nameservers in \/etc\/resolv\.conf/);
    expect(s).toContain('Selected 1 host(s): node03');
    t.keys('Enter');
    s = await t.waitFor('Change any of these values?');
    expect(s).toContain('resolv_conf = /etc/resolv.conf');
    t.keys('Enter');
    s = await t.waitFor('Apply this fix to 1 host(s)?');
    expect(s).toContain('── 1 host(s): node03');
    expect(s).toContain('will change step [remove nameserver lines after the third]');
    expect(s).toMatch(/^ +-nameserver 10\.100\.21\.241$/m);
    expect(s).toMatch(/^ +-nameserver 10\.100\.21\.242$/m);
    // The preview changed nothing.
    expect(await resolvState(node('node03'))).toBe(before.get('node03'));
    t.type('y');
    t.keys('Enter');
    s = await t.waitFor('Keep the changes?');
    expect(s).toContain('changed node03 step [remove nameserver lines after the third]');
    expect(s).toContain('node03: changed, 1 change(s)');
    await t.choose('Keep the changes');
    expect(await t.exitCode()).toBe(0);
    s = t.screen();

    // The node changed exactly as previewed; no other node changed.
    expect(await nameservers(node('node03'))).toEqual(['10.100.20.105', '10.100.105.11', '10.100.21.240']);
    for (const n of state.nodes.filter((x) => x.name !== 'node03')) expect(await resolvState(n)).toBe(before.get(n.name));

    // One run in the journal (the apply; previews leave nothing), and the undo hint names it.
    const runs = fs.readdirSync(journal);
    expect(runs).toHaveLength(1);
    expect(s).toContain(`To undo this run later: crane-fix rollback ${runs[0]} --journal-dir ${journal}`);

    // The printed command is the equivalent one: run as printed (dry-run), it finds node03 fixed.
    expect(s).toContain('Next time, without the questions:');
    const line = /^ +(crane-fix apply .*) +# apply$/m.exec(s)?.[1]?.trim();
    expect(line).toBe(`crane-fix apply -i ${state.inventoryIni} resolv-conf-trim --limit node03 --journal-dir ${journal}`);
    const { stdout } = await execFileP('/bin/sh', ['-c', `${line!.replace(/^crane-fix /, `'${process.execPath}' '${CLI}' `)} --dry-run --json`], { cwd: ROOT, timeout: 60_000 });
    const again = JSON.parse(stdout);
    expect(Object.keys(again.hosts)).toEqual(['node03']);
    expect(again.hosts.node03.status).toBe('ok');
  });

  it('zh session (from LANG): required var, apply, roll back from the guide', async () => {
    const journal = path.join(tmp, 'journal-zh');
    const before = await resolvState(node('node04'));
    const t = term();
    t.start([CLI, 'guide', '-i', state.inventoryIni, '--journal-dir', journal], { LANG: 'zh_CN.UTF-8' });
    await t.waitFor('从哪里开始？');
    await t.choose('从问题目录中选择');
    await t.waitFor('选择要处理的问题：');
    await t.choose('resolv-conf-nameserver');
    await t.waitFor('在哪些主机上修复？');
    await t.choose('先扫描这个问题');
    await t.waitFor('resolv_nameserver（必填）');
    t.type('10.0.0.53');
    t.keys('Enter');
    let s = await t.waitFor('就用这些主机吗？');
    expect(s).toContain('已选择 1 台主机：node04');
    t.keys('Enter');
    await t.waitFor('需要修改这些值吗？');
    t.keys('Enter');
    s = await t.waitFor('在这 1 台主机上执行修复吗？');
    expect(s).toContain('修复将做出以下改动：');
    expect(s).toMatch(/^ +\+nameserver 10\.0\.0\.53$/m);
    t.type('y');
    t.keys('Enter');
    s = await t.waitFor('执行完成。是否保留这些修改？');
    expect(s).toContain('已修改 node04 步骤【add a nameserver line when the file has none】');
    expect(await nameservers(node('node04'))).toEqual(['10.0.0.53']);
    await t.choose('立即回滚本次运行');
    expect(await t.exitCode()).toBe(0);
    s = t.screen();
    expect(s).toContain('回滚完成：已恢复 1 台，失败 0 台，无法连接 0 台。');
    expect(s).toContain('下次可以直接运行（无需交互）：');
    expect(s).toContain(`crane-fix apply -i ${state.inventoryIni} resolv-conf-nameserver --limit node04 -e resolv_nameserver=10.0.0.53 --journal-dir ${journal}`);
    expect(s).not.toMatch(/Next time|How do you want/);
    expect(await resolvState(node('node04'))).toBe(before);
  });
});
