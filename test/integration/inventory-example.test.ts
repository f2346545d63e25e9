/**
 * The top-level inventory.example.yaml (a Crane-shaped cluster: kube-master, kube-node,
 * etcd, k8s-cluster:children, connection vars) and its INI twin docs/inventory.example.ini
 * read the same — to crane-fix (`crane-fix inventory --list`, the real CLI) and to
 * `ansible-inventory --list` — and connect as they say. Local processes only; the Ansible
 * comparison is skipped with the reason when ansible-inventory is absent.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory, resolveConnection, toAnsibleGraph, toAnsibleList } from '../../src/inventory/index.js';
import { CLI, ROOT, runProc, which } from '../parity/harness.js';

const YAML_FILE = join(ROOT, 'inventory.example.yaml');
const INI_FILE = join(ROOT, 'docs', 'inventory.example.ini');
const ENV = { ANSIBLE_INVENTORY_ENABLED: 'yaml,ini', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_NOCOLOR: '1', PYTHONDONTWRITEBYTECODE: '1' };

const noAnsible = which('ansible-inventory') ? undefined : 'ansible-inventory is not installed (CRANE_FIX_WITH_ANSIBLE=1 bash scripts/setup.sh installs ansible-core)';
if (noAnsible) console.warn(`[inventory-example] Ansible comparison SKIPPED: ${noAnsible}`);
const noCli = existsSync(CLI) ? undefined : `${CLI} is not built (npm run build)`;
if (noCli) console.warn(`[inventory-example] CLI check SKIPPED: ${noCli}`);

describe('inventory.example.yaml and docs/inventory.example.ini', () => {
  it('are a Crane-shaped cluster: 2 masters, 3 nodes, 3 etcd members, k8s-cluster over masters and nodes', () => {
    const inv = loadInventory(YAML_FILE);
    const hosts = (g: string) => inv.groups.get(g)!.hosts;
    expect(hosts('kube-master')).toEqual(['master01', 'master02']);
    expect(hosts('kube-node')).toEqual(['node01', 'node02', 'node03']);
    expect(hosts('etcd')).toEqual(['master01', 'master02', 'node01']);
    expect(inv.groups.get('k8s-cluster')!.children).toEqual(['kube-master', 'kube-node']);
    expect(toAnsibleGraph(inv)).toContain('  |--@k8s-cluster:\n  |  |--@kube-master:\n  |  |  |--master01');
  });

  it('read the same as each other (groups, hosts, merged vars)', () => {
    expect(toAnsibleList(loadInventory(INI_FILE))).toEqual(toAnsibleList(loadInventory(YAML_FILE)));
  });

  it('connect as root on port 22 with the key, to each host\'s ansible_host', () => {
    const home = mkdtempSync(join(tmpdir(), 'crane-fix-20-home-'));
    try {
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh', 'config'), '');
      for (const file of [YAML_FILE, INI_FILE]) {
        const inv = loadInventory(file);
        const c = resolveConnection(inv.hosts.get('node03')!, { sshConfigPath: join(home, '.ssh', 'config'), env: { HOME: home } });
        expect(c, file).toMatchObject({ host: '10.0.0.23', port: 22, user: 'root', privateKeyPath: join(home, '.ssh', 'id_rsa') });
        expect(inv.hosts.get('node03')!.vars.kubernetes_ctl_path).toBe('/opt/crane/bin');
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('the README shows it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('inventory.example.yaml');
    expect(readme).toContain('docs/inventory.example.ini');
  });

  it.skipIf(noAnsible)('ansible-inventory --list reads both exactly as crane-fix does', async () => {
    for (const file of [YAML_FILE, INI_FILE]) {
      const r = await runProc('ansible-inventory', ['-i', file, '--list'], { env: ENV, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(toAnsibleList(loadInventory(file)), file).toEqual(JSON.parse(r.stdout));
    }
  }, 240_000);

  it.skipIf(noCli)('crane-fix inventory --list prints the same JSON for both', async () => {
    const out = await Promise.all([YAML_FILE, INI_FILE].map((f) => runProc(process.execPath, [CLI, 'inventory', '-i', f, '--list'], { timeoutMs: 60_000 })));
    for (const r of out) expect(r.code, r.stderr).toBe(0);
    expect(out[1]!.stdout).toBe(out[0]!.stdout);
    expect(JSON.parse(out[0]!.stdout)).toEqual(toAnsibleList(loadInventory(YAML_FILE)));
  }, 120_000);
});
