// Differential check against the real Ansible, when it is installed locally
// (e.g. `apt-get install ansible-core`). Runs local processes only; skipped otherwise.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts, toAnsibleList } from '../../src/inventory/index.js';
import { FIXTURES } from './inventory.helpers.js';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

const ANSIBLE_ENV = { ...process.env, ANSIBLE_INVENTORY_ENABLED: 'yaml,ini', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_NOCOLOR: '1' };
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: ANSIBLE_ENV, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString();

describe.skipIf(!has('ansible-inventory'))('same result as ansible-inventory --list', () => {
  const files = ['crane/nodes', 'crane-upstream/nodes', 'yaml/crane.yml', 'vars/hosts.ini', 'limit/hosts'];
  it.each(files)('%s', (rel) => {
    const file = join(FIXTURES, rel);
    const theirs = JSON.parse(run('ansible-inventory', ['-i', file, '--list']));
    expect(toAnsibleList(loadInventory(file))).toEqual(theirs);
  }, 60_000);
});

describe.skipIf(!has('ansible'))('same hosts as ansible --list-hosts', () => {
  const file = join(FIXTURES, 'limit/hosts');
  const inv = loadInventory(file);
  it.each(['db:!db-replica', 'kube-*,&k8s-cluster', '~^w\\d', 'db[1:]', 'ungrouped'])('%s', (pattern) => {
    const out = run('ansible', ['all', '-i', file, '--limit', pattern, '--list-hosts']);
    const theirs = out.split('\n').slice(1).map((l) => l.trim()).filter(Boolean).sort();
    expect([...selectHosts(inv, pattern)].sort()).toEqual(theirs);
  }, 60_000);
});
