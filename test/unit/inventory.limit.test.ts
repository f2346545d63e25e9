import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, playHosts, selectHosts } from '../../src/inventory/index.js';
import { FIXTURES, inputError } from './inventory.helpers.js';

// Expected sets below were checked against `ansible all -i hosts --limit P --list-hosts`
// (ansible-core 2.14); selectHosts gives inventory order (--limit, check), playHosts a play's order.
const inv = loadInventory(join(FIXTURES, 'limit/hosts'));
const ALL = ['lonely', 'web', 'w1.example.com', 'w2.example.com', 'w3.example.com', 'both', 'db01', 'db02', 'db03', 'r1', '192.168.6.96', '192.168.6.97', 'node3'];
const sel = (p?: string) => selectHosts(inv, p);

function limitError(p: string, detail: RegExp) {
  const err = inputError(() => sel(p));
  expect(err.where).toEqual({ flag: '--limit' });
  expect(err.message.startsWith('--limit: ')).toBe(true);
  expect(err.detail).toMatch(detail);
}

describe('selectHosts', () => {
  it('no pattern, all and * select every host in inventory order', () => {
    expect(sel()).toEqual(ALL);
    expect(sel('all')).toEqual(ALL);
    expect(sel('*')).toEqual(ALL);
  });

  it('group names include child groups, in inventory order without duplicates', () => {
    expect(sel('db')).toEqual(['both', 'db01', 'db02', 'db03', 'r1']);
    expect(sel('k8s-cluster')).toEqual(['192.168.6.96', '192.168.6.97', 'node3']);
    expect(sel('ungrouped')).toEqual(['lonely', 'web']);
  });

  it('a host name selects that host, even when a group has the same name', () => {
    expect(sel('node3')).toEqual(['node3']);
    expect(sel('192.168.6.96')).toEqual(['192.168.6.96']);
    expect(sel('web')).toEqual(['web']); // host `web` shadows group [web], as in Ansible
  });

  it('globs match group names and host names', () => {
    expect(sel('kube-*')).toEqual(['192.168.6.96', '192.168.6.97', 'node3']);
    expect(sel('192.168.6.*')).toEqual(['192.168.6.96', '192.168.6.97']);
    expect(sel('w?.example.com')).toEqual(['w1.example.com', 'w2.example.com', 'w3.example.com']);
    expect(sel('db0[!1]')).toEqual(['db02', 'db03']);
    expect(sel('[a-c]*')).toEqual(ALL); // matches the group `all`
  });

  it('~regex is a Python re.match (anchored at the start only)', () => {
    expect(sel('~w\\d')).toEqual(['w1.example.com', 'w2.example.com', 'w3.example.com']);
    expect(sel('~.*3$')).toEqual(['db03', 'node3']);
    expect(sel('~(?i)WEB')).toEqual(['web', 'w1.example.com', 'w2.example.com', 'w3.example.com', 'both']);
    expect(sel('~(?P<n>db)0[12]')).toEqual(['db01', 'db02']);
  });

  it('comma and colon lists union', () => {
    expect(sel('web,db')).toEqual(['web', 'both', 'db01', 'db02', 'db03', 'r1']);
    expect(sel('db:web')).toEqual(sel('web,db'));
    expect(sel(' db , node3 ')).toEqual(['both', 'db01', 'db02', 'db03', 'r1', 'node3']);
  });

  it('!exclude and &intersect apply after all unions, whatever the order', () => {
    expect(sel('db:!db-replica')).toEqual(['both', 'db01', 'db02', 'db03']);
    expect(sel('!db-replica,db')).toEqual(['both', 'db01', 'db02', 'db03']);
    expect(sel('db,&both')).toEqual(['both']);
    expect(sel('k8s-cluster,!kube-node,192.168.6.97')).toEqual(['192.168.6.96']);
  });

  it('only ! or & elements start from all', () => {
    expect(sel('!db')).toEqual(['lonely', 'web', 'w1.example.com', 'w2.example.com', 'w3.example.com', '192.168.6.96', '192.168.6.97', 'node3']);
    expect(sel('&db')).toEqual(['both', 'db01', 'db02', 'db03', 'r1']);
  });

  it('subscripts pick from the matches in group order', () => {
    expect(sel('db[0]')).toEqual(['db01']);
    expect(sel('db[-1]')).toEqual(['r1']);
    expect(sel('db[0:1]')).toEqual(['db01', 'db02']);
    expect(sel('db[1:]')).toEqual(['both', 'db02', 'db03', 'r1']);
    // not a subscript (it does not end in ]): a glob class [1:3] = {1, :, 3}, as in Ansible
    expect(sel('w[1:3].example.com')).toEqual(['w1.example.com', 'w3.example.com']);
  });

  it('an empty group matched in a list is fine', () => {
    expect(sel('empty,lonely')).toEqual(['lonely']);
  });

  it('errors: elements matching nothing (even in a list), and patterns selecting no host', () => {
    limitError('nothing', /'nothing' matches no group or host/);
    limitError('db,nothing', /'nothing' matches no group or host/);
    limitError('db,!kube-nodes', /'kube-nodes' matches no group or host/);
    limitError('empty', /'empty' selects no hosts/);
    limitError('all,!*', /selects no hosts/);
    limitError('db[5]', /no hosts matched the subscripted pattern 'db\[5\]'/);
  });

  it('errors: malformed patterns', () => {
    limitError('', /empty host pattern/);
    limitError('   ', /empty host pattern/);
    limitError('db,,web', /empty element #2/);
    limitError('db,', /empty element #2/);
    limitError('web::node3', /empty element/);
    limitError('db::web', /'db::web' matches no group or host/); // parses as an IPv6 address, like in Ansible
    limitError(':db', /empty element/);
    limitError('db,!', /'!' needs a pattern/);
    limitError('&', /'&' needs a pattern/);
    limitError('~', /empty regex/);
    limitError('~db(', /invalid host pattern '~db\('/);
    limitError('db[z-a]', /matches no group or host/);
    limitError('db:web[', /malformed host pattern/);
  });
});

describe('playHosts: a play\'s hosts in Ansible\'s order (InventoryManager.get_hosts)', () => {
  // Checked against ansible-core 2.14's InventoryManager (test/parity/ansible/host_order.py).
  const order = loadInventory(join(FIXTURES, '..', '..', 'parity', 'inventory', 'crane_order', 'nodes'));
  it('a group: its children as :children lists them, not as the file declares them', () => {
    expect(playHosts(order, 'k8s-cluster')).toEqual(['master-2', 'master-1', 'worker-b', 'worker-a']);
    expect(selectHosts(order, 'k8s-cluster')).toEqual(['worker-b', 'worker-a', 'master-2', 'master-1']);
  });
  it('plain elements in the order written; & and ! keep that order; subscripts on it', () => {
    expect(playHosts(order, 'etcd:kube-master')).toEqual(['etcd-1', 'master-1', 'master-2']);
    expect(playHosts(order, 'k8s-cluster:!etcd')).toEqual(['master-2', 'worker-b', 'worker-a']);
    expect(playHosts(order, 'k8s-cluster[1:2]')).toEqual(['master-1', 'worker-b']);
  });
  it('--limit only filters', () => {
    expect(playHosts(order, 'k8s-cluster', 'worker-*:etcd-1')).toEqual(['worker-b', 'worker-a']);
  });
});
