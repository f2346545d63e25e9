/**
 * The package's bin, dist/bin/crane-fix (scripts/bundle.mjs): it starts `apply` and `rollback`
 * without a terminal from the start-up snapshot when that was built in its folder by the node
 * binary still in place, and everything else from the plain bundle — other commands, a
 * terminal or -K, a moved package, a node newer than the snapshot, no snapshot. Either way the
 * same program runs with the same arguments and exit codes.
 * `apply --syntax-check` (the input checks a run does before connecting) is tested here too:
 * it is what the snapshot's warm-up runs. Runs on a lab node go through the launcher in every
 * suite that uses labHelpers.cli.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCHER, ROOT } from './labHelpers.js';

const BIN = path.dirname(LAUNCHER);

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, CRANE_FIX_STARTUP_INFO: '1', ...env }, timeout: 60_000 });
  const startup = /started from the start-up snapshot/.test(r.stderr) ? 'snapshot' : /started from the plain bundle/.test(r.stderr) ? 'bundle' : 'none';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^crane-fix: started from .*\n/m, ''), startup };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-launcher-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dist/bin/crane-fix (launcher)', () => {
  it('starts apply and rollback from the start-up snapshot built by `npm run build`, other commands from the bundle', () => {
    expect(fs.existsSync(path.join(BIN, 'crane-fix.blob')), 'npm run build made no snapshot: see its output').toBe(true);
    for (const cmd of ['apply', 'rollback']) {
      const r = run(LAUNCHER, [cmd, '--help']);
      expect(r).toMatchObject({ code: 0, startup: 'snapshot' });
      expect(r.stdout).toMatch(new RegExp(`^Usage: crane-fix ${cmd} `));
    }
    expect(run(LAUNCHER, ['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n', startup: 'bundle' });
    expect(run(LAUNCHER, ['runs', '--help'])).toMatchObject({ code: 0, startup: 'bundle' });
  });

  it('runs on a terminal, or with -K (password prompt), start from the bundle', () => {
    const onTty = spawnSync('script', ['-qec', `${LAUNCHER} apply --help`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, CRANE_FIX_STARTUP_INFO: '1' } });
    expect(onTty.status).toBe(0);
    expect(onTty.stdout).toContain('started from the plain bundle');
    expect(run(LAUNCHER, ['apply', '-K', '--help'])).toMatchObject({ code: 0, startup: 'bundle' });
    expect(run(LAUNCHER, ['apply', '--ask-become-pass', '--help'])).toMatchObject({ code: 0, startup: 'bundle' });
  });

  it("passes every argument to crane-fix, none to node (--version, --help, -e, -i are crane-fix's)", () => {
    const help = run(LAUNCHER, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: crane-fix /);
    const e = run(LAUNCHER, ['-e', 'process.exit(0)']);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("unknown option '-e'");
    const i = run(LAUNCHER, ['apply', '-i', path.join(tmp, 'missing.ini'), 'resolv-conf-trim', '--syntax-check']);
    expect(i.code).toBe(1);
    expect(i.stderr).toContain('missing.ini');
    expect(i.startup).toBe('snapshot');
  });

  it('works through a symlink, as npm links a bin', () => {
    const link = path.join(tmp, 'crane-fix-link');
    fs.symlinkSync(LAUNCHER, link);
    expect(run(link, ['apply', '--help'])).toMatchObject({ code: 0, startup: 'snapshot' });
  });

  it('falls back to the plain bundle when the package was moved, or node is newer than the snapshot, or there is none', () => {
    // A copy of dist/bin elsewhere: the snapshot names the folder it was built in.
    const moved = path.join(tmp, 'moved', 'dist', 'bin');
    fs.mkdirSync(path.dirname(moved), { recursive: true });
    fs.cpSync(BIN, moved, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(tmp, 'moved', 'package.json'));
    const m = run(path.join(moved, 'crane-fix'), ['apply', '--help']);
    expect(m).toMatchObject({ code: 0, startup: 'bundle' });

    // The same copy, its snapshot record pointing at it, but the snapshot older than node.
    const stamp = path.join(moved, 'crane-fix.snapshot');
    const [node, , flags] = fs.readFileSync(stamp, 'utf8').split('\n');
    fs.writeFileSync(stamp, `${node}\n${fs.realpathSync(moved)}\n${flags}\n`);
    // Sanity: with a matching folder and an untouched blob the copy does use its snapshot —
    // only if the copy's blob is not older than node (cpSync keeps no mtimes: it is new).
    expect(run(path.join(moved, 'crane-fix'), ['apply', '--help']).startup).toBe('snapshot');
    const old = new Date('2001-01-01T00:00:00Z');
    fs.utimesSync(path.join(moved, 'crane-fix.blob'), old, old);
    expect(run(path.join(moved, 'crane-fix'), ['apply', '--help'])).toMatchObject({ code: 0, startup: 'bundle' });

    // A record that does not say the snapshot's V8 flags (without them node refuses it): bundle.
    fs.utimesSync(path.join(moved, 'crane-fix.blob'), new Date(), new Date());
    expect(run(path.join(moved, 'crane-fix'), ['apply', '--help']).startup).toBe('snapshot');
    fs.writeFileSync(stamp, `${node}\n${fs.realpathSync(moved)}\n`);
    expect(run(path.join(moved, 'crane-fix'), ['apply', '--help'])).toMatchObject({ code: 0, startup: 'bundle' });

    fs.rmSync(path.join(moved, 'crane-fix.blob'));
    expect(run(path.join(moved, 'crane-fix'), ['apply', '--help'])).toMatchObject({ code: 0, startup: 'bundle' });
    // And on request (CRANE_FIX_NO_SNAPSHOT), from the real package.
    expect(run(LAUNCHER, ['apply', '--help'], { CRANE_FIX_NO_SNAPSHOT: '1' })).toMatchObject({ code: 0, startup: 'bundle' });
  });
});

describe('apply --syntax-check', () => {
  // Hosts on a port nothing listens on: a check that connected would fail or hang.
  const inventory = () => {
    const f = path.join(tmp, 'nodes.ini');
    fs.writeFileSync(f, '[k8s-cluster]\nn1 ansible_host=127.0.0.1 ansible_port=9\nn2 ansible_host=127.0.0.1 ansible_port=9\n');
    return f;
  };

  it('checks inventory, playbooks, vars and templates for every host and exits 0 without connecting', () => {
    const journal = path.join(tmp, 'journal');
    const r = run(LAUNCHER, ['apply', '--syntax-check', '--json', '--journal-dir', journal, '-i', inventory(), 'clusterip-dns', 'resolv-conf-trim', '-e', 'dns_cluster_ip=10.9.0.10']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ syntaxCheck: 'ok', plays: 2, hosts: ['n1', 'n2'] });
    expect(doc.playbooks.map((p: string) => path.basename(p))).toEqual(['clusterip-dns.yaml', 'resolv-conf-trim.yaml']);
    // Nothing ran: no run was journaled.
    expect(fs.existsSync(journal)).toBe(false);
  });

  it('reports a template error with file, line and host, exit 1, plain bundle and snapshot alike', () => {
    const args = ['apply', '--syntax-check', '-i', inventory(), 'clusterip-dns'];
    const viaSnapshot = run(LAUNCHER, args);
    const viaBundle = run(process.execPath, [path.join(BIN, 'crane-fix.js'), ...args]);
    expect(viaSnapshot.startup).toBe('snapshot');
    expect(viaBundle.startup).toBe('bundle');
    for (const r of [viaSnapshot, viaBundle]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/clusterip-dns\.yaml:\d+:\d+: 'dns_cluster_ip' is undefined \(host n1, task /);
    }
    expect(viaSnapshot.stderr).toBe(viaBundle.stderr);
  });
});
