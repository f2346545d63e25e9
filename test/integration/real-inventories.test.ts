/**
 * Real inventories from the field (issue 20): every inventory under
 * test/fixtures/real-inventories (public repositories, each directory's SOURCE.txt names the
 * repository and commit — Crane at several ages, kubespray, k3s-ansible, kubeadm-ansible,
 * kubeasz, openshift-ansible 3.7/3.11) loads unchanged: `crane-fix inventory --list`'s data
 * (loadInventory + toAnsibleList) deep-equals `ansible-inventory -i <file> --list`, with the
 * group_vars/ and host_vars/ beside each inventory (directories or files). The inventories
 * crane-fix refuses are listed in REFUSED with the exact error, and docs/parity.md
 * "## Inventories" says why. Local processes only (no SSH); skipped with the reason when
 * ansible-inventory is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadInventory, toAnsibleList } from '../../src/inventory/index.js';
import { ROOT, runProc, which } from '../parity/harness.js';

const DIR = join(ROOT, 'test', 'fixtures', 'real-inventories');
const DOCS = join(ROOT, 'docs', 'parity.md');

/** Every inventory file: anything that is not SOURCE.txt or under group_vars/ / host_vars/. */
function inventoryFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (e === 'group_vars' || e === 'host_vars' || e === 'SOURCE.txt') continue;
    if (statSync(p).isDirectory()) out.push(...inventoryFiles(p));
    else out.push(p);
  }
  return out;
}

/**
 * Inventories crane-fix refuses, with the error it gives (message, and the line it points
 * at). `ansible` says what Ansible does with it.
 */
const REFUSED: Record<string, { message: RegExp; line: number; ansible: RegExp }> = {
  // Both refuse it on the same line: the sample lists [nodes] / [nfs] under [OSEv3:children]
  // without declaring them (in the upstream file they are commented out).
  'openshift-3.11/inventory/hosts.grafana.example': {
    message: /section \[OSEv3:children\] includes undefined group 'nodes' \(declare it with \[nodes\], or remove it from the section\)/,
    line: 3,
    ansible: /hosts\.grafana\.example:3:Section\[OSEv3:children\]includesundefinedgroup:nodes/,
  },
  'openshift-3.7/inventory/byo/hosts.example': {
    message: /section \[OSEv3:children\] includes undefined group 'nfs' \(declare it with \[nfs\], or remove it from the section\)/,
    line: 9,
    ansible: /hosts\.example:9:Section\[OSEv3:children\]includesundefinedgroup:nfs/,
  },
};

/**
 * Inventories whose host lines are all commented out (kubespray's sample): `inventory --list`
 * shows them as Ansible does (no hosts), but a run refuses them, pointing at the first
 * commented-out host line (`line`), where Ansible would run a play on nothing.
 */
const EMPTY: Record<string, number> = {
  'kubespray-master/inventory/sample/inventory.ini': 10,
  'kubespray-v2.14.0/inventory/sample/inventory.ini': 5,
  'kubespray-v2.24.0/inventory/sample/inventory.ini': 5,
};

const FILES = inventoryFiles(DIR).map((f) => relative(DIR, f));

const ENV = {
  ANSIBLE_INVENTORY_ENABLED: 'yaml,ini',
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_LOCALHOST_WARNING: 'false',
  ANSIBLE_DEPRECATION_WARNINGS: 'false',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
  PYTHONDONTWRITEBYTECODE: '1',
};

const why = which('ansible-inventory') ? undefined : 'ansible-inventory is not installed (CRANE_FIX_WITH_ANSIBLE=1 bash scripts/setup.sh installs ansible-core)';
if (why) console.warn(`[real-inventories] SKIPPED: ${why}`);

describe('real inventories (test/fixtures/real-inventories)', () => {
  it('are all here, each directory with its SOURCE.txt', () => {
    const dirs = readdirSync(DIR).filter((d) => statSync(join(DIR, d)).isDirectory());
    expect(dirs.length).toBeGreaterThanOrEqual(14);
    for (const d of dirs) expect(readFileSync(join(DIR, d, 'SOURCE.txt'), 'utf8'), d).toMatch(/^repo: https:\/\/github\.com\//m);
    expect(FILES.length).toBeGreaterThanOrEqual(30);
  });

  it('docs/parity.md lists every refused inventory', () => {
    const docs = readFileSync(DOCS, 'utf8');
    const section = docs.slice(docs.indexOf('\n## Inventories'));
    expect(section.length, 'docs/parity.md has a "## Inventories" section').toBeGreaterThan(20);
    for (const f of [...Object.keys(REFUSED), ...Object.keys(EMPTY)]) expect(section, f).toContain(f);
  });
});

describe.skipIf(why)('real inventories: crane-fix inventory --list equals ansible-inventory --list', () => {
  let tmp: string;
  const theirs = new Map<string, { code: number; stdout: string; stderr: string }>();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'crane-fix-20-realinv-'));
    const queue = [...FILES];
    // Two at a time: each is a Python start-up (~1 s of CPU) on a shared 2-core machine.
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          const r = await runProc('ansible-inventory', ['-i', join(DIR, f), '--list'], { env: { ...ENV, ANSIBLE_LOCAL_TEMP: join(tmp, 'a') }, cwd: tmp, timeoutMs: 120_000 });
          theirs.set(f, r);
        }
      }),
    );
  }, 600_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The InputError loading `file` for a run throws (fails the test when it loads). */
  const loadError = (file: string): InputError => {
    try {
      loadInventory(file);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return e as InputError;
    }
    return expect.fail(`${file} loaded, but a run must refuse it`);
  };

  for (const f of FILES) {
    const refused = REFUSED[f];
    if (refused) {
      it(`${f}: refused on line ${refused.line} with what to do; ansible-inventory refuses the same line`, () => {
        const r = theirs.get(f)!;
        // Ansible only warns (exit 0, nothing parsed) unless INVENTORY_UNPARSED_FAILED is set.
        // Its warning is wrapped to the terminal: compare without whitespace.
        expect(r.stderr.replace(/\s+/g, '')).toMatch(refused.ansible);
        const e = loadError(join(DIR, f));
        expect(e.message).toMatch(refused.message);
        expect((e.where as { file?: string })?.file).toBe(join(DIR, f));
        expect((e.where as { line?: number })?.line).toBe(refused.line);
      });
      continue;
    }
    it(`${f}: same groups, hosts and merged vars`, () => {
      const r = theirs.get(f)!;
      expect(r.code, r.stderr).toBe(0);
      const inv = loadInventory(join(DIR, f), { allowEmpty: true });
      expect(toAnsibleList(inv)).toEqual(JSON.parse(r.stdout));
      expect(inv.hosts.size === 0, 'no hosts exactly where EMPTY says so').toBe(f in EMPTY);
    });
    if (f in EMPTY) {
      it(`${f}: a run refuses it, pointing at the first commented-out host line (${EMPTY[f]})`, () => {
        const e = loadError(join(DIR, f));
        expect(e.message).toMatch(/inventory defines no hosts: its host lines are commented out, the first here \('# node1 ansible_host=95\.54\.0\.12 .*'\); uncomment the hosts to run on/);
        expect(e.where).toMatchObject({ file: join(DIR, f), line: EMPTY[f] });
      });
    }
  }
});
