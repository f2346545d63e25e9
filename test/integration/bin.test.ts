/**
 * The package's bin, dist/bin/crane-fix (scripts/bundle.mjs): a plain Node script that imports
 * the bundle next to it, for every command, through a symlink (as npm links bins) and from a
 * moved copy of the package, with crane-fix's own arguments and exit codes.
 * `apply --syntax-check` (the input checks a run does before connecting) is tested here too.
 * Runs on a lab node go through the bin in every suite that uses labHelpers.cli.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCHER, ROOT } from './labHelpers.js';

const BIN = path.dirname(LAUNCHER);

function run(file: string, args: string[]) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-launcher-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dist/bin/crane-fix (the bin)', () => {
  it('is a Node script importing the bundle; no start-up snapshot or sh launcher is built any more', () => {
    const text = fs.readFileSync(LAUNCHER, 'utf8');
    expect(text.split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(text).toContain("import './crane-fix.js';");
    expect(fs.statSync(LAUNCHER).mode & 0o111).not.toBe(0);
    expect(fs.readdirSync(BIN).filter((f) => /\.blob$|\.snapshot/.test(f))).toEqual([]);
  });

  it('runs every command, with their help and exit codes', () => {
    expect(run(LAUNCHER, ['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    for (const cmd of ['apply', 'rollback', 'runs', 'check', 'diagnose', 'fixes', 'schedule', 'guide', 'inventory', 'lab']) {
      const r = run(LAUNCHER, [cmd, '--help']);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: crane-fix ${cmd} `));
    }
    const bad = run(LAUNCHER, ['no-such-command']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown command 'no-such-command'");
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
  });

  it('works through a symlink, as npm links a bin, and from a moved copy of the package', () => {
    const link = path.join(tmp, 'crane-fix-link');
    fs.symlinkSync(LAUNCHER, link);
    expect(run(link, ['apply', '--help'])).toMatchObject({ code: 0 });
    const moved = path.join(tmp, 'moved');
    fs.mkdirSync(path.join(moved, 'dist'), { recursive: true });
    fs.cpSync(BIN, path.join(moved, 'dist', 'bin'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(moved, 'package.json'));
    fs.cpSync(path.join(ROOT, 'playbooks'), path.join(moved, 'playbooks'), { recursive: true });
    const m = run(path.join(moved, 'dist', 'bin', 'crane-fix'), ['fixes']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain('resolv-conf-trim');
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

  it('reports a template error with file, line and host, exit 1, through the bin and `node crane-fix.js` alike', () => {
    const args = ['apply', '--syntax-check', '-i', inventory(), 'clusterip-dns'];
    const viaBin = run(LAUNCHER, args);
    const viaBundle = run(process.execPath, [path.join(BIN, 'crane-fix.js'), ...args]);
    for (const r of [viaBin, viaBundle]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/clusterip-dns\.yaml:\d+:\d+: 'dns_cluster_ip' is undefined \(host n1, task /);
    }
    expect(viaBin.stderr).toBe(viaBundle.stderr);
  });
});
