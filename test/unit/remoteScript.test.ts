import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { LocalConnector } from '../../src/transport/local.js';
import { applyScript, gatherScript, parseApply, parseGather, restoreScript, collectFactRequests } from '../../src/engine/remoteScript.js';

// The remote scripts are plain POSIX sh: run them here, on temp files, exactly as a node would.
const sh = new LocalConnector();
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-rs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function gather(files: string[], commands: { key: string; command: string }[] = []) {
  const req = collectFactRequests([...files.map((p) => ({ kind: 'file' as const, path: p })), ...commands.map((c) => ({ kind: 'command' as const, ...c }))]);
  const r = await sh.run('sh -s', { stdin: gatherScript(req), encoding: 'latin1' });
  return parseGather(req, r.stdout);
}

describe('gather script', () => {
  it('reads content, sha256, mode, owner and absence in one round trip', async () => {
    const f = path.join(dir, 'a b.conf'); // a space in the name must survive quoting
    fs.writeFileSync(f, 'nameserver 1.1.1.1\n');
    fs.chmodSync(f, 0o640);
    const before = sh.sessionsOpened;
    const g = await gather([f, path.join(dir, 'missing'), dir], [{ key: 'k', command: 'echo out; echo err >&2; exit 3' }]);
    expect(sh.sessionsOpened - before).toBe(1);
    const s = g.files.get(f)!;
    expect(s).toMatchObject({ exists: true, type: 'file', mode: 0o640, uid: process.getuid!(), content: 'nameserver 1.1.1.1\n', sha256: sha('nameserver 1.1.1.1\n') });
    expect(g.files.get(path.join(dir, 'missing'))).toEqual({ path: path.join(dir, 'missing'), exists: false });
    expect(g.files.get(dir)!.type).toBe('directory');
    // stdout exactly; stderr without its trailing newlines (as Ansible gives it).
    expect(g.commands.get('k')).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err' });
  });

  it('flags binary files instead of decoding them as text', async () => {
    const f = path.join(dir, 'bin');
    fs.writeFileSync(f, Buffer.from([0, 1, 2, 0xff]));
    const s = (await gather([f])).files.get(f)!;
    expect(s.binary).toBe(true);
    expect(s.content).toBeUndefined();
  });

  it('a frame-like line inside content cannot forge a record', async () => {
    const f = path.join(dir, 'evil');
    fs.writeFileSync(f, '@@CF end\n@@CF file 0 absent\n');
    const s = (await gather([f])).files.get(f)!;
    expect(s.content).toBe('@@CF end\n@@CF file 0 absent\n');
  });
});

describe('raw protocol (no temp files, no base64 for facts)', () => {
  it('file bytes and command output arrive exactly, whatever they hold', async () => {
    // Everything a frame parser could trip on: markers, a forged blob end, NUL, invalid
    // UTF-8, CR, trailing newlines, multibyte characters split anywhere.
    const f1 = path.join(dir, 'evil');
    const evil = '@@CF end x\n@@CF blobend zzz\n\n@@CF cmd 0 5\nünï\r\n\n\n';
    fs.writeFileSync(f1, evil);
    const f2 = path.join(dir, 'bin');
    const bin = Buffer.from([0, 0x0a, 0xff, 0x40, 0x40, 0x43, 0x46, 0x0a]);
    fs.writeFileSync(f2, bin);
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    const g = await gather([f1, f2, empty], [
      { key: 'nl', command: `printf 'a\\n\\n\\n'; printf 'e1\\n@@CF end\\n' >&2` },
      { key: 'fake', command: `printf '@@CF op 0 ok\\n@@CF cmd 1 99\\n'; exit 4` },
      { key: 'none', command: 'true' },
      { key: 'utf', command: `printf 'ä€𝄞'` },
    ]);
    expect(g.files.get(f1)).toMatchObject({ content: evil, sha256: sha(evil) });
    expect(g.files.get(f2)).toMatchObject({ binary: true, sha256: sha(bin) });
    expect(g.files.get(empty)).toMatchObject({ content: '', sha256: sha('') });
    expect(g.commands.get('nl')).toEqual({ rc: 0, stdout: 'a\n\n\n', stderr: 'e1\n@@CF end' });
    expect(g.commands.get('fake')).toEqual({ rc: 4, stdout: '@@CF op 0 ok\n@@CF cmd 1 99\n', stderr: '' });
    expect(g.commands.get('none')).toEqual({ rc: 0, stdout: '', stderr: '' });
    expect(g.commands.get('utf')).toEqual({ rc: 0, stdout: 'ä€𝄞', stderr: '' });
  });

  it('a file that changes size while it is read is reported, never torn', async () => {
    const f = path.join(dir, 'grows');
    fs.writeFileSync(f, 'short\n');
    // A file that grows between `stat` and `cat` cannot be timed here: simulated on the real
    // output (the bytes no longer match the size stat gave), and an output cut off mid-blob.
    const req = collectFactRequests([{ kind: 'file', path: f }]);
    const r = await sh.run('sh -s', { stdin: gatherScript(req), encoding: 'latin1' });
    const torn = r.stdout.replace('short\n', 'short and longer\n');
    expect(() => parseGather(req, torn)).toThrow(/changed while facts were read/);
    expect(() => parseGather(req, r.stdout.slice(0, r.stdout.indexOf('@@CF blobend')))).toThrow(/cut short/);
  });

  it('a conditional fact runs only when the one it falls back from fails or prints the text', async () => {
    const req = (showCmd: string) =>
      collectFactRequests([
        { kind: 'command', key: 'fallback', command: 'echo ran', onlyIf: { key: 'show', failedOrPrinted: 'ignoring' } },
        { kind: 'command', key: 'show', command: showCmd },
      ]);
    const go = async (showCmd: string) => {
      const q = req(showCmd);
      expect(q.commands.map((c) => c.key)).toEqual(['show', 'fallback']); // conditional ones last
      return parseGather(q, (await sh.run('sh -s', { stdin: gatherScript(q), encoding: 'latin1' })).stdout).commands;
    };
    expect((await go('echo A=b')).has('fallback')).toBe(false);
    expect((await go('echo A=b; exit 1')).get('fallback')).toEqual({ rc: 0, stdout: 'ran\n', stderr: '' });
    expect((await go('echo Running in chroot, ignoring request >&2')).get('fallback')?.stdout).toBe('ran\n');
    // Needed unconditionally by another task: always run. Its reference not in the script: always run.
    const both = collectFactRequests([
      { kind: 'command', key: 'fallback', command: 'echo ran', onlyIf: { key: 'show', failedOrPrinted: 'x' } },
      { kind: 'command', key: 'fallback', command: 'echo ran' },
    ]);
    expect(both.commands).toEqual([{ key: 'fallback', command: 'echo ran' }]);
    expect(collectFactRequests([{ kind: 'command', key: 'f', command: 'echo', onlyIf: { key: 'gone', failedOrPrinted: 'x' } }]).commands).toEqual([{ key: 'f', command: 'echo' }]);
  });

  it('exec ops: exit, trailing newlines, stderr, stdin and no temp dir left behind', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-rs-tmp-'));
    const r = await sh.run(`TMPDIR=${tmp} sh -s`, {
      stdin: applyScript([
        { id: 0, op: { op: 'exec', command: "printf 'x\\n\\n'; echo oops >&2; exit 3" }, mayFail: true },
        { id: 1, op: { op: 'exec', command: 'cat', stdin: 'in\n' } },
        { id: 2, op: { op: 'exec', command: 'pwd', chdir: '/' } },
      ]),
      encoding: 'latin1',
    });
    expect(parseApply(r.stdout)).toEqual({
      complete: true,
      outcomes: [
        { id: 0, kind: 'exec', result: { rc: 3, stdout: 'x\n\n', stderr: 'oops' } },
        { id: 1, kind: 'exec', result: { rc: 0, stdout: 'in\n', stderr: '' } },
        { id: 2, kind: 'exec', result: { rc: 0, stdout: '/\n', stderr: '' } },
      ],
    });
    expect(fs.readdirSync(tmp)).toEqual([]); // the temp dir for stdin is gone with the script
    fs.rmdirSync(tmp);
  });

  it('writes get the target mode without chmod unless a new file cannot have it', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, 'a');
    fs.chmodSync(a, 0o640);
    const r = await sh.run('sh -s', {
      stdin: applyScript([
        { id: 0, op: { op: 'write', path: a, content: 'A', expectSha256: sha('a') }, before: { path: a, exists: true, mode: 0o640, uid: process.getuid!(), gid: process.getgid!() } },
        { id: 1, op: { op: 'write', path: b, content: '#!/bin/sh\n', mode: 0o4755, expectSha256: null } },
        // No write bit for anyone: the temp file is still the owner's to write and hash.
        { id: 2, op: { op: 'write', path: path.join(dir, 'c'), content: 'ro\n', mode: 0o444, expectSha256: null } },
      ]),
      encoding: 'latin1',
    });
    expect(parseApply(r.stdout).outcomes).toEqual([{ id: 0, kind: 'ok' }, { id: 1, kind: 'ok' }, { id: 2, kind: 'ok' }]);
    expect(fs.statSync(a).mode & 0o7777).toBe(0o640);
    expect(fs.statSync(b).mode & 0o7777).toBe(0o4755);
    expect(fs.statSync(path.join(dir, 'c')).mode & 0o7777).toBe(0o444);
    const script = applyScript([{ id: 0, op: { op: 'write', path: a, content: 'x', expectSha256: sha('A') }, before: { path: a, exists: true, mode: 0o640, uid: 0, gid: 0 } }]);
    expect(script).not.toMatch(/chmod [0-7]+ -- "\$N0"/);
  });
});

describe('apply script', () => {
  it('writes atomically, keeps mode and owner, and reports each op', async () => {
    const f = path.join(dir, 'config.yaml');
    fs.writeFileSync(f, 'old\n');
    fs.chmodSync(f, 0o600);
    const r = await sh.run('sh -s', {
      stdin: applyScript([
        { id: 0, op: { op: 'write', path: f, content: 'new\n', expectSha256: sha('old\n') }, before: { path: f, exists: true, mode: 0o600, uid: 0, gid: 0 } },
        { id: 1, op: { op: 'exec', command: 'printf "%s" "$(cat)"', stdin: 'hello $(id) `x`' } },
      ]),
      encoding: 'latin1',
    });
    const { outcomes, complete } = parseApply(r.stdout);
    expect(complete).toBe(true);
    expect(outcomes[0]).toEqual({ id: 0, kind: 'ok' });
    expect(outcomes[1]).toMatchObject({ id: 1, kind: 'exec', result: { rc: 0, stdout: 'hello $(id) `x`' } });
    expect(fs.readFileSync(f, 'utf8')).toBe('new\n');
    expect(fs.statSync(f).mode & 0o7777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']); // no temp file left
  });

  it('refuses to clobber a file that changed since it was read (guard) and stops', async () => {
    const f = path.join(dir, 'x');
    fs.writeFileSync(f, 'changed by someone else\n');
    const r = await sh.run('sh -s', {
      stdin: applyScript([
        { id: 0, op: { op: 'write', path: f, content: 'mine\n', expectSha256: sha('what we read\n') } },
        { id: 1, op: { op: 'exec', command: 'touch ' + path.join(dir, 'should-not-run') } },
      ]),
      encoding: 'latin1',
    });
    const { outcomes, complete } = parseApply(r.stdout);
    expect(complete).toBe(false);
    expect(outcomes).toEqual([{ id: 0, kind: 'guard', found: sha('changed by someone else\n') }]);
    expect(fs.readFileSync(f, 'utf8')).toBe('changed by someone else\n');
    expect(fs.existsSync(path.join(dir, 'should-not-run'))).toBe(false);
  });

  it('a failing command stops the script unless the task may fail', async () => {
    const r = await sh.run('sh -s', { stdin: applyScript([{ id: 0, op: { op: 'exec', command: 'exit 7' } }, { id: 1, op: { op: 'exec', command: 'echo after' } }]), encoding: 'latin1' });
    expect(parseApply(r.stdout).outcomes.map((o) => o.id)).toEqual([0]);
    const r2 = await sh.run('sh -s', { stdin: applyScript([{ id: 0, op: { op: 'exec', command: 'exit 7' }, mayFail: true }, { id: 1, op: { op: 'exec', command: 'echo after' } }]), encoding: 'latin1' });
    expect(parseApply(r2.stdout).outcomes.map((o) => o.id)).toEqual([0, 1]);
  });

  it('creates a new file with the requested mode; "must not exist" guard holds', async () => {
    const f = path.join(dir, 'new');
    const ok = await sh.run('sh -s', { stdin: applyScript([{ id: 0, op: { op: 'write', path: f, content: 'x', mode: 0o640, expectSha256: null } }]), encoding: 'latin1' });
    expect(parseApply(ok.stdout).outcomes[0]).toEqual({ id: 0, kind: 'ok' });
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    const again = await sh.run('sh -s', { stdin: applyScript([{ id: 0, op: { op: 'write', path: f, content: 'y', expectSha256: null } }]), encoding: 'latin1' });
    expect(parseApply(again.stdout).outcomes[0]!.kind).toBe('guard');
  });
});

describe('restore script', () => {
  it('puts back content, mode and existence byte for byte', async () => {
    const a = path.join(dir, 'a');
    const created = path.join(dir, 'created');
    const orig = Buffer.from('line1\nline2 ünïcode\n');
    fs.writeFileSync(a, 'modified\n');
    fs.chmodSync(a, 0o644);
    fs.writeFileSync(created, 'made by the run\n');
    const r = await sh.run('sh -s', {
      stdin: restoreScript([
        { path: a, existed: true, type: 'file', mode: 0o600, uid: process.getuid!(), gid: process.getgid!(), contentB64: orig.toString('base64'), sha256: sha(orig) },
        { path: created, existed: false },
      ]),
      encoding: 'latin1',
    });
    expect(parseApply(r.stdout).complete).toBe(true);
    expect(fs.readFileSync(a).equals(orig)).toBe(true);
    expect(fs.statSync(a).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(created)).toBe(false);
  });
});

describe('restore of a file whose bytes were never captured (binary, too large)', () => {
  it('puts back mode and owner but never empties the file; refuses when the bytes changed', async () => {
    const f = path.join(dir, 'blob');
    const bytes = Buffer.from([0, 1, 2, 0xff, 10]);
    fs.writeFileSync(f, bytes);
    fs.chmodSync(f, 0o600);
    const snap = { path: f, existed: true, type: 'file' as const, mode: 0o640, uid: process.getuid!(), gid: process.getgid!(), sha256: sha(bytes) };
    const r = await sh.run('sh -s', { stdin: restoreScript([snap]), encoding: 'latin1' });
    expect(parseApply(r.stdout).complete).toBe(true);
    expect(fs.readFileSync(f)).toEqual(bytes);
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    fs.writeFileSync(f, Buffer.from([9, 9]));
    const r2 = await sh.run('sh -s', { stdin: restoreScript([snap]), encoding: 'latin1' });
    expect(parseApply(r2.stdout)).toEqual({ complete: false, outcomes: [{ id: 0, kind: 'error', what: 'content-not-captured' }] });
    expect(fs.readFileSync(f)).toEqual(Buffer.from([9, 9]));
  });
});

describe('symlinks', () => {
  it('gather reports a link target; restore puts a replaced link back as a link', async () => {
    const l = path.join(dir, 'link');
    fs.symlinkSync('/etc/original target', l);
    const g = (await gather([l])).files.get(l)!;
    expect(g).toMatchObject({ type: 'symlink', linkTarget: '/etc/original target' });
    fs.unlinkSync(l);
    fs.writeFileSync(l, 'a file now');
    const r = await sh.run('sh -s', { stdin: restoreScript([{ path: l, existed: true, type: 'symlink', linkTarget: '/etc/original target' }]), encoding: 'latin1' });
    expect(parseApply(r.stdout).complete).toBe(true);
    expect(fs.readlinkSync(l)).toBe('/etc/original target');
  });

  it('gather resolves relative, chained and dangling links (realPath, as os.path.realpath) and reads their targets', async () => {
    fs.mkdirSync(path.join(dir, 'run/resolve'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'run/resolve/stub.conf'), 'nameserver 127.0.0.53\n', { mode: 0o640 });
    fs.symlinkSync('../run/resolve/stub.conf', path.join(dir, 'etc/rel'));
    fs.symlinkSync('rel', path.join(dir, 'etc/chain'));
    fs.symlinkSync(path.join(dir, 'nodir/missing'), path.join(dir, 'etc/dangling'));
    // /etc/mtab's kind: stat says 0 bytes, a read gives more — must not look like a race.
    fs.symlinkSync('/proc/self/mounts', path.join(dir, 'etc/mtab'));
    fs.symlinkSync('loop2', path.join(dir, 'etc/loop1'));
    fs.symlinkSync('loop1', path.join(dir, 'etc/loop2'));
    const paths = ['rel', 'chain', 'dangling', 'mtab', 'loop1'].map((n) => path.join(dir, 'etc', n));
    for (const contentOnly of [true, false]) {
      const req = collectFactRequests(paths.map((p) => ({ kind: 'file' as const, path: p, contentOnly })));
      const r = await sh.run('sh -s', { stdin: gatherScript(req), encoding: 'latin1' });
      const f = parseGather(req, r.stdout).files;
      const stub = path.join(dir, 'run/resolve/stub.conf');
      expect(f.get(paths[0]!)).toMatchObject({ type: 'symlink', linkTarget: '../run/resolve/stub.conf', realPath: stub });
      expect(f.get(paths[1]!)).toMatchObject({ type: 'symlink', linkTarget: 'rel', realPath: stub });
      expect(f.get(paths[2]!)).toMatchObject({ type: 'symlink', realPath: path.join(dir, 'nodir/missing') });
      expect(f.get(stub)).toMatchObject({ exists: true, type: 'file', mode: 0o640, content: 'nameserver 127.0.0.53\n', sha256: sha('nameserver 127.0.0.53\n') });
      expect(f.get(path.join(dir, 'nodir/missing'))).toEqual({ path: path.join(dir, 'nodir/missing'), exists: false });
      expect(f.get(paths[3]!)).toMatchObject({ type: 'symlink', realPath: expect.stringMatching(/^\/proc\/\d+\/mounts$/) });
      // A loop cannot be resolved: no realPath (the planners refuse it, followLink.ts).
      expect(f.get(paths[4]!)).toEqual({ path: paths[4], exists: true, type: 'symlink', linkTarget: 'loop2', ...(contentOnly ? {} : { mode: 0o777, uid: 0, gid: 0, owner: 'root', group: 'root' }) });
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)('a target that is a mount point (bind-mounted resolv.conf)', () => {
  it('is written in place after re-checking the guard (rename would give EBUSY)', async () => {
    const f = path.join(dir, 'resolv.conf');
    fs.writeFileSync(f, 'nameserver 1.1.1.1\n');
    // A private mount namespace: the bind mount never exists outside this one command.
    const inNs = (script: string) => sh.run(`unshare --mount --propagation private sh -c 'mount --bind ${f} ${f} && sh -s'`, { stdin: script, encoding: 'latin1' });
    const req = collectFactRequests([{ kind: 'file', path: f }]);
    expect(parseGather(req, (await inNs(gatherScript(req))).stdout).files.get(f)).toMatchObject({ type: 'file', content: 'nameserver 1.1.1.1\n' });
    const r = await inNs(applyScript([{ id: 0, op: { op: 'write', path: f, content: 'nameserver 9.9.9.9\n', expectSha256: sha('nameserver 1.1.1.1\n') } }]));
    expect(parseApply(r.stdout).outcomes).toEqual([{ id: 0, kind: 'ok', inPlace: true }]);
    expect(fs.readFileSync(f, 'utf8')).toBe('nameserver 9.9.9.9\n');
    // A restore written in place puts the mode back too, as a rename would.
    fs.chmodSync(f, 0o600);
    const back = await inNs(restoreScript([{ path: f, existed: true, type: 'file', mode: 0o640, uid: process.getuid!(), gid: process.getgid!(), contentB64: Buffer.from('nameserver 1.1.1.1\n').toString('base64'), sha256: sha('nameserver 1.1.1.1\n') }]));
    expect(parseApply(back.stdout).outcomes).toEqual([{ id: 0, kind: 'ok', inPlace: true }]);
    expect(fs.readFileSync(f, 'utf8')).toBe('nameserver 1.1.1.1\n');
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['resolv.conf']);
  });
});

// Content-only facts (FactRequest.contentOnly): no `stat` in the gather — type from the
// shell's tests, bytes from one `head` with token-carrying separators — and a write that
// keeps the mode and owner it never read by reading them on the node as it writes.
describe('content-only facts and writes that keep what they never read', () => {
  const uid = 1000;
  const gid = 1001;
  // A `stat`/`head` in front of the real ones that logs each call: what the script starts.
  function spyBin(fail: string[] = []): { prefix: string; calls: () => string[] } {
    const bin = path.join(dir, '.bin');
    const log = path.join(dir, '.calls');
    fs.mkdirSync(bin);
    for (const tool of ['stat', 'head', 'cat', 'sha256sum']) {
      const real = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p))!;
      fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho ${tool} >> ${log}\n${fail.includes(tool) ? 'exit 1' : `exec ${real} "$@"`}\n`, { mode: 0o755 });
    }
    return { prefix: `PATH=${bin}:$PATH\n`, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
  }
  async function gatherCO(paths: string[], attrs: string[] = [], prefix = '') {
    const req = collectFactRequests([...paths.map((p) => ({ kind: 'file' as const, path: p, contentOnly: true })), ...attrs.map((p) => ({ kind: 'file' as const, path: p }))]);
    const r = await sh.run('sh -s', { stdin: prefix + gatherScript(req), encoding: 'latin1' });
    return { req, out: r.stdout, g: () => parseGather(req, r.stdout) };
  }

  it('reads type, bytes and sha256 of every kind of path with one head and no stat', async () => {
    const p = (n: string) => path.join(dir, n);
    const tricky = Buffer.concat([Buffer.from('a\n\n@@CF sep x\n@@CF end\n\0'), Buffer.from([0xff])]);
    fs.writeFileSync(p('plain'), 'nameserver 1.1.1.1\n');
    fs.writeFileSync(p('no-newline'), 'last line');
    fs.writeFileSync(p('empty'), '');
    fs.writeFileSync(p('tricky'), tricky);
    fs.writeFileSync(p('six'), 'sixth file: a second head\n\n\n');
    fs.writeFileSync(p('seven'), '7');
    fs.symlinkSync('/etc/hosts', p('link'));
    fs.mkdirSync(p('dir'));
    fs.writeFileSync(p('with-attrs'), 'x');
    fs.chmodSync(p('with-attrs'), 0o640);
    const spy = spyBin();
    const paths = ['plain', 'no-newline', 'empty', 'tricky', 'link', 'dir', 'missing', 'six', 'seven'].map(p);
    const { g } = await gatherCO(paths, [p('with-attrs')], spy.prefix);
    const f = g().files;
    for (const [n, text] of [['plain', 'nameserver 1.1.1.1\n'], ['no-newline', 'last line'], ['empty', ''], ['six', 'sixth file: a second head\n\n\n'], ['seven', '7']] as const) {
      expect(f.get(p(n))).toEqual({ path: p(n), exists: true, type: 'file', tooLarge: false, content: text, sha256: sha(text) });
    }
    expect(f.get(p('tricky'))).toMatchObject({ type: 'file', binary: true, sha256: sha(tricky) });
    expect(f.get(p('link'))).toEqual({ path: p('link'), exists: true, type: 'symlink', linkTarget: '/etc/hosts', realPath: '/etc/hosts' });
    // …and its target, read with stat (mode and owner: a write through the link keeps them).
    expect(f.get('/etc/hosts')).toMatchObject({ exists: true, type: 'file', content: fs.readFileSync('/etc/hosts', 'utf8') });
    expect(f.get(p('dir'))).toEqual({ path: p('dir'), exists: true, type: 'directory' });
    expect(f.get(p('missing'))).toEqual({ path: p('missing'), exists: false });
    expect(f.get(p('with-attrs'))).toMatchObject({ mode: 0o640, content: 'x' });
    // 7 regular content-only files: two `head`s (5 separator pipes each at most); one `stat`
    // and one `cat`, for the file whose mode a planner reads — and none without it; and a `stat`
    // and a `head` for the link's target.
    expect(spy.calls().sort()).toEqual(['cat', 'head', 'head', 'head', 'stat', 'stat']);
    fs.rmSync(path.join(dir, '.calls'));
    await gatherCO([p('plain')], [], spy.prefix);
    expect(spy.calls()).toEqual(['head']);
  });

  it('a file over the read limit is too large (no content), and a failed read is a race', async () => {
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, Buffer.alloc(4 * 1024 * 1024 + 1, 'a'));
    const small = path.join(dir, 'small');
    fs.writeFileSync(small, 'ok\n');
    const f = (await gatherCO([big, small])).g().files;
    expect(f.get(big)).toMatchObject({ type: 'file', tooLarge: true });
    expect(f.get(big)!.content).toBeUndefined();
    expect(f.get(small)!.content).toBe('ok\n');
    const { g } = await gatherCO([small], [], spyBin(['head']).prefix);
    expect(g).toThrow(/changed while facts were read/);
  });

  it('a path any request reads with attributes gets them (stat), whoever else asked', () => {
    const req = collectFactRequests([
      { kind: 'file', path: '/a', contentOnly: true },
      { kind: 'file', path: '/a' },
      { kind: 'file', path: '/b', contentOnly: true },
    ]);
    expect(req.files).toEqual(['/a', '/b']);
    expect(req.contentOnly).toEqual(['/b']);
  });

  it('a write keeps the mode (setuid too) and owner it never read; restore keeps them as well', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, 'old a\n');
    fs.chownSync(a, uid, gid);
    fs.chmodSync(a, 0o4751); // after chown: a chown clears setuid
    fs.writeFileSync(b, 'old b\n');
    fs.chmodSync(b, 0o400); // no write bit: the temp file still gets it, then chmod
    const { g } = await gatherCO([a, b]);
    const facts = g().files;
    expect(facts.get(a)!.mode).toBeUndefined();
    const r = await sh.run('sh -s', {
      stdin: applyScript([
        { id: 0, op: { op: 'write', path: a, content: 'new a\n', expectSha256: sha('old a\n') }, before: facts.get(a) },
        { id: 1, op: { op: 'write', path: b, content: 'new b\n', expectSha256: sha('old b\n') }, before: facts.get(b) },
      ]),
      encoding: 'latin1',
    });
    expect(parseApply(r.stdout)).toEqual({ complete: true, outcomes: [{ id: 0, kind: 'ok' }, { id: 1, kind: 'ok' }] });
    expect(fs.readFileSync(a, 'utf8')).toBe('new a\n');
    expect(fs.statSync(a)).toMatchObject({ uid, gid });
    expect(fs.statSync(a).mode & 0o7777).toBe(0o4751);
    expect(fs.statSync(b).mode & 0o7777).toBe(0o400);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b']);
    // A guard still holds: a file changed since it was read is left alone.
    fs.writeFileSync(b, 'someone else\n');
    const r2 = await sh.run('sh -s', { stdin: applyScript([{ id: 0, op: { op: 'write', path: b, content: 'x', expectSha256: sha('new b\n') }, before: facts.get(b) }]), encoding: 'latin1' });
    expect(parseApply(r2.stdout).outcomes).toEqual([{ id: 0, kind: 'guard', found: sha('someone else\n') }]);
    // Restore of a snapshot without mode or owner: content back, mode and owner as they are.
    const snap = { path: a, existed: true, type: 'file' as const, contentB64: Buffer.from('old a\n').toString('base64'), sha256: sha('old a\n') };
    const r3 = await sh.run('sh -s', { stdin: restoreScript([snap]), encoding: 'latin1' });
    expect(parseApply(r3.stdout).complete).toBe(true);
    expect(fs.readFileSync(a, 'utf8')).toBe('old a\n');
    expect(fs.statSync(a).mode & 0o7777).toBe(0o4751);
    expect(fs.statSync(a)).toMatchObject({ uid, gid });
    // …and one whose file is gone since: recreated with 0644, the shell's owner.
    fs.rmSync(a);
    const r4 = await sh.run('sh -s', { stdin: restoreScript([snap]), encoding: 'latin1' });
    expect(parseApply(r4.stdout).complete).toBe(true);
    expect(fs.readFileSync(a, 'utf8')).toBe('old a\n');
    expect(fs.statSync(a).mode & 0o7777).toBe(0o644);
  });
});

describe('content-only facts on a host without /dev/fd', () => {
  it('fail the gather with that reason, not as a race', async () => {
    const f = path.join(dir, 'plain');
    fs.writeFileSync(f, 'x\n');
    fs.writeFileSync(path.join(dir, 'null'), '');
    const req = collectFactRequests([{ kind: 'file', path: f, contentOnly: true }]);
    // A private mount namespace whose /dev is an empty tmpfs but for /dev/null: no /dev/fd.
    const r = await sh.run(
      `unshare -m sh -c 'mount --make-rprivate / && mount --bind /dev/null ${dir}/null && mount -t tmpfs none /dev && touch /dev/null && mount --bind ${dir}/null /dev/null && exec sh -s'`,
      { stdin: gatherScript(req), encoding: 'latin1' },
    );
    expect(r.stdout).toContain('@@CF nodevfd');
    expect(() => parseGather(req, r.stdout)).toThrow(/no \/dev\/fd/);
  });
});
