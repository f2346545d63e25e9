/** Host selection, var plan and typed confirmations of `crane-fix guide` (pure, on real inventories). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../src/inventory/index.js';
import { getEntry } from '../../src/catalog/index.js';
import {
  affectedBy,
  challenges,
  groupsOf,
  hostsOfGroups,
  inInventoryOrder,
  limitFor,
  mustAsk,
  tryPattern,
  typedValue,
  varRows,
} from '../../src/guide/hosts.js';
import type { CheckReport } from '../../src/engine/check.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-guide-hosts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function inventory(text: string, ext = 'ini') {
  const f = path.join(dir, `inv-${Math.random().toString(36).slice(2)}.${ext}`);
  fs.writeFileSync(f, text);
  return loadInventory(f);
}

// Crane-shaped: masters also in etcd, workers, one ungrouped host.
const inv = inventory(`
lonely ansible_host=10.0.0.99
[kube-master]
m1 ansible_host=10.0.0.1
m2 ansible_host=10.0.0.2
[kube-node]
w1 ansible_host=10.0.1.1 dns_cluster_ip=10.9.0.10
w2 ansible_host=10.0.1.2 dns_cluster_ip=10.9.0.10
w3 ansible_host=10.0.1.3 xfs_device=/dev/sdb
[etcd]
m1
m2
[k8s-cluster:children]
kube-master
kube-node
[empty]
[all:vars]
ansible_ssh_user=root
`);

describe('guide: hosts', () => {
  it('offers the non-empty groups with all their hosts (children included)', () => {
    expect(groupsOf(inv).map((g) => [g.name, g.hosts])).toEqual([
      ['ungrouped', ['lonely']],
      ['kube-master', ['m1', 'm2']],
      ['kube-node', ['w1', 'w2', 'w3']],
      ['etcd', ['m1', 'm2']],
      ['k8s-cluster', ['m1', 'm2', 'w1', 'w2', 'w3']],
    ]);
    expect(hostsOfGroups(inv, ['etcd', 'kube-node'])).toEqual(['m1', 'm2', 'w1', 'w2', 'w3']);
    expect(inInventoryOrder(inv, ['w2', 'm1', 'nope', 'm1'])).toEqual(['m1', 'w2']);
  });

  it('finds the shortest --limit: nothing for all, whole groups, then single hosts', () => {
    expect(limitFor(inv, [...inv.hosts.keys()])).toBeUndefined();
    expect(limitFor(inv, ['w1', 'w2', 'w3'])).toBe('kube-node');
    expect(limitFor(inv, ['m1', 'm2', 'w1', 'w2', 'w3'])).toBe('k8s-cluster');
    expect(limitFor(inv, ['m1', 'm2', 'w1'])).toBe('kube-master,w1');
    expect(limitFor(inv, ['w3'])).toBe('w3');
    expect(limitFor(inv, ['w2', 'lonely'])).toBe('lonely,w2');
    expect(() => limitFor(inv, [])).toThrow(/no host selected/);
  });

  it('every --limit it builds selects exactly the chosen hosts (property)', () => {
    const names = [...inv.hosts.keys()];
    fc.assert(
      fc.property(fc.subarray(names, { minLength: 1 }), (sel) => {
        const limit = limitFor(inv, sel);
        expect(selectHosts(inv, limit)).toEqual(inInventoryOrder(inv, sel));
        if (limit) expect(limit.split(',').length).toBeLessThanOrEqual(sel.length);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a selection it cannot express instead of running on other hosts', () => {
    // A YAML inventory may name a host "a,b"; as a pattern that means hosts a and b.
    const odd = inventory(`all:\n  hosts:\n    "a,b": {}\n    a: {}\n    b: {}\n`, 'yaml');
    expect(() => limitFor(odd, ['a,b'])).toThrow(/cannot express/);
    expect(limitFor(odd, ['a', 'b'])).toBe('a,b');
  });

  it('checks a typed pattern with the same matcher as --limit', () => {
    expect(tryPattern(inv, 'kube-node:!w2')).toEqual({ hosts: ['w1', 'w3'] });
    expect(tryPattern(inv, ' m* ')).toEqual({ hosts: ['m1', 'm2'] });
    expect(tryPattern(inv, 'nosuch')).toHaveProperty('error');
    expect(tryPattern(inv, '  ')).toEqual({ error: 'empty pattern' });
  });

  it('takes the affected hosts from a scan', () => {
    const report = { entries: [], hosts: {}, affected: { 'resolv-conf-trim': ['w3'] }, exitCode: 3 } as CheckReport;
    expect(affectedBy(report, 'resolv-conf-trim')).toEqual(['w3']);
    expect(affectedBy(report, 'drop-caches')).toEqual([]);
  });
});

describe('guide: vars', () => {
  const dns = getEntry('clusterip-dns');

  it('asks for a required var unless every selected host has the same value in the inventory', () => {
    const onWorkers = varRows(dns, inv, ['w1', 'w2']);
    expect(onWorkers.map((r) => [r.name, r.current, r.source, mustAsk(r)])).toEqual([
      ['dns_cluster_ip', '10.9.0.10', 'inventory', false],
      ['dns_cluster_ip_old', '10.96.0.10', 'default', false],
    ]);
    const mixed = varRows(dns, inv, ['w1', 'm1']);
    expect(mixed[0]!.mixed).toBe(true);
    expect(mustAsk(mixed[0]!)).toBe(true);
    const none = varRows(dns, inv, ['m1']);
    expect([none[0]!.current, mustAsk(none[0]!)]).toEqual([undefined, true]);
  });

  it('play vars win over the inventory, as in the engine', () => {
    const rows = varRows(getEntry('resolv-conf-trim'), inv, ['w1'], { resolv_conf: '/run/resolv.conf' });
    expect(rows).toEqual([expect.objectContaining({ name: 'resolv_conf', current: '/run/resolv.conf', source: 'playbook' })]);
  });

  it('reads "" typed at a prompt as the empty string', () => {
    expect(typedValue(' "" ')).toBe('');
    expect(typedValue("''")).toBe('');
    expect(typedValue(' 10.0.0.0/8 ')).toBe('10.0.0.0/8');
  });
});

describe('guide: typed confirmation of destructive fixes', () => {
  it('needs nothing typed for a fix that is not destructive', () => {
    expect(challenges(getEntry('resolv-conf-trim'), inv, ['w1'])).toEqual([]);
  });

  it('asks for the host name of each host (hostname fix)', () => {
    expect(challenges(getEntry('hostname-lowercase'), inv, ['m2', 'w1'])).toEqual([
      { host: 'm2', expect: 'm2', kind: 'host' },
      { host: 'w1', expect: 'w1', kind: 'host' },
    ]);
  });

  it('asks for the device when the fix formats one (-e beats the inventory)', () => {
    const xfs = getEntry('xfs-ftype');
    expect(challenges(xfs, inv, ['w3', 'w1'])).toEqual([
      { host: 'w3', expect: '/dev/sdb', kind: 'device' },
      { host: 'w1', expect: 'w1', kind: 'host' },
    ]);
    expect(challenges(xfs, inv, ['w3'], { xfs_device: '/dev/loop7' })).toEqual([{ host: 'w3', expect: '/dev/loop7', kind: 'device' }]);
  });

  it('asks for the number of hosts beyond a handful', () => {
    expect(challenges(getEntry('hostname-lowercase'), inv, ['lonely', 'm1', 'm2', 'w1', 'w2', 'w3'])).toEqual([{ expect: '6', kind: 'count' }]);
  });
});
