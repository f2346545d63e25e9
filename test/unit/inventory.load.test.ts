import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, toAnsibleList } from '../../src/inventory/index.js';
import { FIXTURES, tmpFile, tmpTree } from './inventory.helpers.js';

const hostNames = (file: string) => [...loadInventory(file).hosts.keys()];

describe('Crane INI inventory (crane/nodes)', () => {
  const file = join(FIXTURES, 'crane/nodes');
  const inv = loadInventory(file);

  it('keeps hosts in file order and positions', () => {
    expect([...inv.hosts.keys()]).toEqual(['192.168.6.96', '192.168.6.97', 'node3']);
    expect(inv.hosts.get('node3')!.pos).toEqual({ file, line: 5, col: 1 });
    expect(inv.file).toBe(file);
  });

  it('builds groups, :children and the implicit all/ungrouped', () => {
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped', 'kube-master', 'kube-node', 'etcd', 'k8s-cluster']);
    expect(inv.groups.get('kube-node')!.hosts).toEqual(['192.168.6.97', 'node3']);
    expect(inv.groups.get('k8s-cluster')).toMatchObject({ hosts: [], children: ['kube-master', 'kube-node'] });
    // parentless groups hang under all, in declaration order, after ungrouped
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'etcd', 'k8s-cluster']);
    expect(inv.groups.get('ungrouped')!.hosts).toEqual([]);
  });

  it('lists every group of a host including ancestors and all', () => {
    expect(inv.hosts.get('192.168.6.96')!.groups).toEqual(['all', 'kube-master', 'etcd', 'k8s-cluster']);
    expect(inv.hosts.get('node3')!.groups).toEqual(['all', 'kube-node', 'k8s-cluster']);
  });

  it('applies [all:vars] (literal-evaluated like Ansible) under host vars', () => {
    expect(inv.hosts.get('192.168.6.97')!.vars).toEqual({
      ansible_ssh_user: 'root',
      ansible_ssh_private_key_file: '/root/.ssh/id_rsa',
      ansible_ssh_port: 22,
    });
    expect(inv.hosts.get('node3')!.vars).toMatchObject({ ansible_host: '10.0.0.3', ansible_user: 'ubuntu', ansible_ssh_port: 22 });
  });

  it('produces what ansible-inventory --list prints for it', () => {
    expect(toAnsibleList(inv)).toEqual({
      _meta: {
        hostvars: {
          '192.168.6.96': { ansible_ssh_port: 22, ansible_ssh_private_key_file: '/root/.ssh/id_rsa', ansible_ssh_user: 'root' },
          '192.168.6.97': { ansible_ssh_port: 22, ansible_ssh_private_key_file: '/root/.ssh/id_rsa', ansible_ssh_user: 'root' },
          node3: {
            ansible_host: '10.0.0.3',
            ansible_ssh_port: 22,
            ansible_ssh_private_key_file: '/root/.ssh/id_rsa',
            ansible_ssh_user: 'root',
            ansible_user: 'ubuntu',
          },
        },
      },
      all: { children: ['ungrouped', 'etcd', 'k8s-cluster'] },
      etcd: { hosts: ['192.168.6.96'] },
      'k8s-cluster': { children: ['kube-master', 'kube-node'] },
      'kube-master': { hosts: ['192.168.6.96'] },
      'kube-node': { hosts: ['192.168.6.97', 'node3'] },
    });
  });
});

describe('upstream crane/nodes file, unchanged', () => {
  const inv = loadInventory(join(FIXTURES, 'crane-upstream/nodes'));

  it('keeps empty groups and strips Python quotes from :vars values', () => {
    expect([...inv.hosts.keys()]).toEqual(['35.200.23.39', '34.85.14.128']);
    expect(inv.groups.get('k8s-cluster-add-node')).toMatchObject({ hosts: [], children: [] });
    expect(inv.groups.get('etcd-cluster')!.children).toEqual(['etcd', 'etcd-cluster-add-node']);
    expect(inv.hosts.get('34.85.14.128')!.vars).toEqual({
      ansible_ssh_public_key_file: '~/.ssh/id_rsa.pub',
      ansible_ssh_private_key_file: '~/.ssh/id_rsa',
      ansible_ssh_port: 22,
      ansible_ssh_user: 'shilei',
    });
  });
});

describe('YAML inventory', () => {
  it('reads the Crane-equivalent YAML to the same hosts, memberships and vars as the INI', () => {
    const ini = loadInventory(join(FIXTURES, 'crane/nodes'));
    const yml = loadInventory(join(FIXTURES, 'yaml/crane.yml'));
    const view = (i: typeof ini) =>
      [...i.hosts.values()].map((h) => ({ name: h.name, vars: h.vars, groups: [...h.groups].sort() }));
    expect(view(yml)).toEqual(view(ini));
    // In the YAML, kube-master/kube-node are also written directly under all.children.
    expect(yml.groups.get('all')!.children).toEqual(['ungrouped', 'kube-master', 'kube-node', 'etcd', 'k8s-cluster']);
    expect(yml.hosts.get('node3')!.pos).toEqual({ file: join(FIXTURES, 'yaml/crane.yml'), line: 14, col: 9 });
  });

  it('handles null hosts, string shorthand, ranges with ports, merges and aliases', () => {
    const file = tmpFile(
      'inv.yaml',
      [
        'defaults: &d',
        '  vars: {tier: base, over: base}',
        'web:',
        '  <<: *d',
        '  hosts:',
        '    web[01:02]:2222: {role: web}',
        '    single:',
        '    blank: ""',
        'db:',
        '  hosts: dbhost',
        '  vars:',
        '    <<: {tier: base, over: base}',
        '    over: db',
      ].join('\n'),
    );
    const inv = loadInventory(file);
    expect([...inv.hosts.keys()]).toEqual(['web01', 'web02', 'single', 'blank', 'dbhost']);
    expect(inv.hosts.get('web02')!.vars).toEqual({ tier: 'base', over: 'base', ansible_port: 2222, role: 'web' });
    expect(inv.hosts.get('dbhost')!.vars).toEqual({ tier: 'base', over: 'db' });
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'defaults', 'web', 'db']);
  });

  it('resolves plain scalars the PyYAML (YAML 1.1) way', () => {
    const file = tmpFile(
      'types.yml',
      'all:\n  hosts:\n    h:\n' +
        Object.entries({
          a: 'yes', b: 'n', c: 'Y', d: '08', e: '0755', f: '1e3', g: '1.5e+3', h: '1:20', i: '~',
          j: '2001-12-14', k: '0x1F', l: '.5', m: '1_000', n: '"quoted"', o: 'off', p: "!unsafe '{{ x }}'",
        })
          .map(([k, v]) => `      ${k}: ${v}\n`)
          .join(''),
    );
    expect(loadInventory(file).hosts.get('h')!.vars).toEqual({
      a: true, b: 'n', c: 'Y', d: '08', e: 493, f: '1e3', g: 1500, h: 80, i: null,
      j: '2001-12-14', k: 31, l: 0.5, m: 1000, n: 'quoted', o: false, p: '{{ x }}',
    });
  });

  it('reads a JSON inventory through the YAML plugin', () => {
    const file = tmpFile('inv.json', '{"all": {"hosts": {"j1": {"x": 1}}, "children": {"g": {"hosts": {"j2": null}}}}}');
    const inv = loadInventory(file);
    expect([...inv.hosts.keys()]).toEqual(['j1', 'j2']);
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['j1']);
  });

  it('treats a child key as a group definition and links it once per parent', () => {
    const inv = loadInventory(
      tmpFile('c.yml', 'all:\n  children:\n    a:\n      children:\n        b:\n          hosts: {h1: }\n    c:\n      children:\n        b:\n'),
    );
    expect(inv.groups.get('b')!.hosts).toEqual(['h1']);
    expect(inv.groups.get('a')!.children).toEqual(['b']);
    expect(inv.groups.get('c')!.children).toEqual(['b']);
    expect(inv.hosts.get('h1')!.groups).toEqual(['all', 'a', 'b', 'c']);
  });
});

describe('INI details', () => {
  it('expands numeric, zero-padded, stepped and alphabetic ranges', () => {
    const file = tmpFile('r.ini', '[g]\nnode[01:03]\nweb[1:5:2].example.com\ndb[a:c]\nx[8:10]y[a:b]\n');
    expect(hostNames(file)).toEqual([
      'node01', 'node02', 'node03',
      'web1.example.com', 'web3.example.com', 'web5.example.com',
      'dba', 'dbb', 'dbc',
      'x8ya', 'x8yb', 'x9ya', 'x9yb', 'x10ya', 'x10yb',
    ]);
  });

  it('parses inline host vars as Python literals and :vars values too', () => {
    const file = tmpFile(
      'v.ini',
      [
        '[g]',
        `h a=1 b=1.5 c=True d=None e="'22'" f="[1, 'x']" g=0x10 h=08 i=yes j="a b" k=-3 l="{'k': (1, 2)}" m=a#comment`,
        '[g:vars]',
        'v1 = 22 # trailing comment is Python comment',
        'v2 = text # stays in the string',
        "v3 = 'quoted'",
        'v4 = FALSE',
      ].join('\n'),
    );
    expect(loadInventory(file).hosts.get('h')!.vars).toEqual({
      a: 1, b: 1.5, c: true, d: null, e: '22', f: [1, 'x'], g: 16, h: '08', i: 'yes', j: 'a b', k: -3,
      l: { k: [1, 2] }, m: 'a',
      v1: 22, v2: 'text # stays in the string', v3: 'quoted', v4: 'FALSE',
    });
  });

  it('puts sectionless and [all]-only hosts in ungrouped, but not hosts also in a group', () => {
    const file = tmpFile('u.ini', '; comment\n# comment\nlonely\nboth\n[all]\ninall\n[web]\nboth\n');
    const inv = loadInventory(file);
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['lonely', 'inall']);
    expect(inv.groups.get('all')!.hosts).toEqual(['inall']);
    expect(inv.hosts.get('both')!.groups).toEqual(['all', 'web']);
  });

  it('merges a host listed twice and keeps the port of its first mention', () => {
    const file = tmpFile('d.ini', '[a]\nh:2200 x=1 y=1\n[b]\nh:9999 x=2\n[a]\nh\n');
    const inv = loadInventory(file);
    expect(inv.hosts.get('h')!.vars).toEqual({ ansible_port: 2200, x: 2, y: 1 });
    expect(inv.groups.get('a')!.hosts).toEqual(['h']);
  });

  it('creates the group named by [g:children] and accepts children declared later', () => {
    const file = tmpFile('p.ini', '[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nl1\n');
    const inv = loadInventory(file);
    expect(inv.groups.get('top')!.children).toEqual(['mid']);
    expect(inv.groups.get('mid')!.children).toEqual(['leaf']);
    expect(inv.hosts.get('l1')!.groups).toEqual(['all', 'top', 'mid', 'leaf']);
  });

  it('tolerates invalid UTF-8 inside comment lines, as Ansible does', () => {
    const file = tmpFile('c.ini', Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n[g]\nh\n')]));
    expect(hostNames(file)).toEqual(['h']);
  });

  it('reads an extension-less YAML file as YAML and a .ini file as INI', () => {
    expect(hostNames(tmpFile('noext', 'all:\n  hosts:\n    y1:\n'))).toEqual(['y1']);
    expect(hostNames(tmpFile('x.ini', 'h1\nh2:22\n'))).toEqual(['h1', 'h2']);
  });

  it('reads a .yml file that is not a YAML mapping as INI (Ansible falls back too)', () => {
    expect(hostNames(tmpFile('plain.yml', 'h1\nh2\n'))).toEqual(['h1', 'h2']);
  });
});

describe('group_vars/ and host_vars/ precedence', () => {
  const inv = loadInventory(join(FIXTURES, 'vars/hosts.ini'));

  it('layers all < groups (by depth) < group_vars/all < group_vars/<group> < host < host_vars', () => {
    // node1: host_vars file wins
    expect(inv.hosts.get('node1')!.vars.layer).toBe('file-host-node1');
    // node2: deepest group's file (kube-node, depth 2) beats parent file and all inventory vars
    expect(inv.hosts.get('node2')!.vars.layer).toBe('file-kube-node-10');
    // master1: kube-master has no file; k8s-cluster's file beats the inventory's [kube-node:vars]-style layers
    expect(inv.hosts.get('master1')!.vars.layer).toBe('file-k8s-cluster');
    // inline host var is beaten by host_vars/master1 (file without extension)
    expect(inv.hosts.get('master1')!.vars.inline).toBe('file');
  });

  it('loads a group_vars directory in sorted order, recursing, skipping hidden/backup/other files', () => {
    const v = inv.hosts.get('node2')!.vars;
    expect(v).toMatchObject({ from_dir: 'second', json_file: true, nested: true, only_file_all: 1, only_file_parent: 1 });
    expect(v).not.toHaveProperty('ignored_txt');
    expect(v).not.toHaveProperty('ignored_hidden');
    expect(v).not.toHaveProperty('ignored_backup');
    // group_vars/all.yml is found first, so all.yaml is never read
    expect(v).not.toHaveProperty('shadowed');
  });

  it("exposes a group's own vars merged with its group_vars file", () => {
    expect(inv.groups.get('k8s-cluster')!.vars).toEqual({
      layer: 'file-k8s-cluster',
      only_inventory_parent: 1,
      only_file_parent: 1,
    });
    expect(inv.groups.get('etcd')!.vars).toEqual({});
  });

  it('orders same-depth groups by ansible_group_priority, then name', () => {
    const dir = tmpTree({
      'inv.ini': '[b]\nh\n[a]\nh\n[c]\nh\n[a:vars]\nx=a\n[b:vars]\nx=b\n[c:vars]\nx=c\nansible_group_priority=0\n',
    });
    // priority: c=0 (lowest, applied first), a=1, b=1 -> b wins by name
    const inv2 = loadInventory(join(dir, 'inv.ini'));
    expect(inv2.hosts.get('h')!.vars).toEqual({ x: 'b' });
    expect(inv2.groups.get('c')!.vars).toEqual({ x: 'c' });
  });
});
