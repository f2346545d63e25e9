import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { MAX_INPUT_BYTES } from '../../src/readInput.js';
import { expectErrorAt, inputError, tmpFile, tmpTree } from './inventory.helpers.js';

/** Loads `content` as an inventory named `name` and expects an error at line:col. */
function errAt(name: string, content: string | Buffer, line: number, col: number, detail: RegExp) {
  const file = tmpFile(name, content);
  return expectErrorAt(() => loadInventory(file), file, line, col, detail);
}

describe('INI inventory errors carry file:line:col', () => {
  it('child group that is never declared (reported where it is named)', () => {
    errAt('i.ini', '[a]\nh\n[k8s:children]\na\n  kube-nodes\n', 5, 3, /\[k8s:children\] includes undefined group 'kube-nodes'/);
  });

  it('[g:vars] for a group that is never declared', () => {
    errAt('i.ini', '[web]\nh\n\n[wbe:vars]\nx=1\n', 4, 2, /\[wbe:vars\] is for undefined group 'wbe'/);
  });

  it('section header with a space', () => {
    errAt('i.ini', 'h\n  [kube node]\n', 2, 3, /invalid section entry '\[kube node\]'/);
  });

  it('unknown section type ([g:hosts] is valid, as in Ansible)', () => {
    errAt('i.ini', '[web:hosts]\nh\n[web:host]\n', 3, 6, /unknown type: host \(/);
  });

  it('host variable without =', () => {
    errAt('i.ini', '[g]\n   h1 a=1 novalue\n', 2, 11, /expected key=value host variable, got: novalue/);
  });

  it('unclosed quote on a host line (points at the quote)', () => {
    errAt('i.ini', "[g]\nh1 x='abc\n", 2, 6, /no closing quotation/);
  });

  it('host pattern ending in ":" without a port', () => {
    errAt('i.ini', '[g]\nh1\nh2:\n', 3, 1, /trailing ':' is reserved for a port/);
  });

  it("'---' in an INI host section", () => {
    errAt('i.ini', '[g]\n---\n', 2, 1, /'---' is normally a sign this is a YAML file/);
  });

  it('malformed ranges', () => {
    errAt('i.ini', '[g]\nh[1:2:3:4]\n', 2, 1, /begin:end or begin:end:step/);
    errAt('i.ini', '[g]\nh[01:3]\n', 2, 1, /equal-length/);
    errAt('i.ini', '[g]\nh[c:a]\n', 2, 1, /begin <= end/);
    errAt('i.ini', '[g]\nh[1:99999999]\n', 2, 1, /more than 100000 names/);
  });

  it('a host in two overlapping ranges of one group (Ansible merges them silently)', () => {
    errAt('r.ini', '[nodes]\nnode[1:3] x=1\nnode[2:4] x=2\n', 3, 1, /^host 'node2' of group 'nodes' is in two ranges, 'node\[1:3\]' \(line 2\) and 'node\[2:4\]': Ansible merges them/);
    // The same group continued in a later section counts too.
    errAt('r2.ini', '[nodes]\n10.0.0.[1:4]\n[etcd]\n10.0.0.1\n[nodes]\n  10.0.0.[4:5]\n', 6, 3, /host '10\.0\.0\.4' of group 'nodes' is in two ranges/);
    errAt('r.yml', 'nodes:\n  hosts:\n    node[1:3]:\n    node[3:5]:\n', 4, 5, /host 'node3' of group 'nodes' is in two ranges, 'node\[1:3\]' \(line 3\) and 'node\[3:5\]'/);
  });

  it('overlapping ranges in different groups, or a range and a single host line, load as in Ansible', () => {
    const inv = loadInventory(tmpFile('ok.ini', '[masters]\nnode[1:3]\n[etcd]\nnode[1:3]\n[nodes]\nnode[2:5]\nnode4 x=1\n'));
    expect(inv.groups.get('etcd')!.hosts).toEqual(['node1', 'node2', 'node3']);
    expect(inv.groups.get('nodes')!.hosts).toEqual(['node2', 'node3', 'node4', 'node5']);
    expect(inv.hosts.get('node4')!.vars).toEqual({ x: 1 });
  });

  it('group cycle', () => {
    errAt('i.ini', '[a:children]\nb\n[b:children]\na\n', 4, 1, /adding group 'a' as child to 'b' creates a recursive dependency loop/);
    errAt('i.ini', '[a:children]\na\n', 2, 1, /cannot be a child of itself/);
  });

  it('unhashable Python literal (Ansible fails the whole file)', () => {
    errAt('i.ini', '[g]\nh ok=1 x="{[1]: 2}"\n', 2, 8, /unhashable type 'list'/);
  });

  it('bad lines in :children and :vars sections', () => {
    errAt('i.ini', '[g]\nh\n[p:children]\ng extra\n', 4, 1, /expected a group name in \[p:children\]/);
    errAt('i.ini', '[g]\nh\n[g:vars]\n\tnoequals\n', 4, 2, /expected key=value in \[g:vars\]/);
  });

  it('non-integer ansible_group_priority', () => {
    errAt('i.ini', '[g]\nh\n[g:vars]\nansible_group_priority=high\n', 4, 1, /ansible_group_priority must be an integer/);
  });

  it('invalid UTF-8 outside a comment line', () => {
    errAt('i.ini', Buffer.concat([Buffer.from('[g]\nh\ncaf'), Buffer.from([0xe9, 0x0a])]), 3, 1, /not valid UTF-8/);
  });
});

describe('YAML inventory errors carry file:line:col', () => {
  it('duplicate mapping key (at the second key, naming the first)', () => {
    errAt('i.yml', 'all:\n  hosts:\n    a:\n    b:\n    a:\n', 5, 5, /duplicate key 'a' \(first defined at line 3\)/);
  });

  it('duplicate key in a JSON inventory', () => {
    errAt('i.json', '{"all": {"hosts": {"x": {}, "x": {}}}}', 1, 29, /duplicate key 'x'/);
  });

  it('hosts given as a list', () => {
    errAt('i.yml', 'all:\n  hosts:\n    - web1\n    - web2\n', 3, 5, /'hosts' of group 'all' must be a mapping, got a list/);
  });

  it('children given as a number', () => {
    errAt('i.yml', 'all:\n  children: 3\n', 2, 13, /'children' of group 'all' must be a mapping, got a integer/);
  });

  it('a group that is not a mapping', () => {
    errAt('i.yml', 'all:\n  hosts: {h: }\nweb: [a, b]\n', 3, 6, /group 'web' must be a mapping/);
  });

  it('an unknown key inside a group (typo of hosts)', () => {
    errAt('i.yml', 'all:\n  children:\n    web:\n      host:\n        w1:\n', 4, 7, /unexpected key 'host' in group 'web'/);
  });

  it('a numeric host name', () => {
    errAt('i.yml', 'all:\n  hosts:\n    10:\n', 3, 5, /host name must be a string, got integer 10/);
  });

  it('host vars that are not a mapping', () => {
    errAt('i.yml', 'all:\n  hosts:\n    h1: just-a-string\n', 3, 9, /host 'h1' must map to a mapping of variables/);
  });

  it('a non-string group name', () => {
    errAt('i.yml', 'all:\n  children:\n    true:\n', 3, 5, /group name must be a string, got boolean/);
  });

  it('group cycle through children', () => {
    // b -> a is linked first (inner level), so the loop closes at a -> b, on the key 'b'.
    errAt('i.yml', 'a:\n  children:\n    b:\n      children:\n        a:\n', 3, 5, /adding group 'b' as child to 'a' creates a recursive dependency loop/);
  });

  it('inventory plugin configuration files, with what to do instead', () => {
    errAt('i.yml', '# aws\nplugin: aws_ec2\n', 2, 1, /inventory plugin configuration.*does not run inventory plugins: make it static once with 'ansible-inventory -i \S+i\.yml --list --yaml > static\.yml'/);
  });

  it('YAML syntax errors', () => {
    errAt('i.yml', 'all:\n  hosts:\n    a: [1, 2\n', 4, 1, /./);
    errAt('i.yaml', 'all:\n\thosts:\n', 2, 1, /Tabs are not allowed as indentation \(YAML indents with spaces only: replace the tab with spaces\)/);
  });

  it('unknown tags and vault-encrypted values', () => {
    errAt('i.yml', 'all:\n  hosts:\n    h:\n      x: !custom 1\n', 4, 10, /tag/i);
    errAt('i.yml', 'all:\n  vars:\n    pw: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n', 3, 9, /vault/);
  });

  it('an extension-less file that looks like YAML gets the YAML error, not an INI one', () => {
    errAt('nodes', '# crane\nall:\n  hosts:\n    a:\n    a:\n', 5, 5, /duplicate key 'a'/);
  });

  it('an empty mapping', () => {
    errAt('i.yml', '{}\n', 1, 1, /inventory is empty/);
  });

  it('a non-string host name inside a range-looking key keeps the position of the key', () => {
    errAt('i.yml', 'all:\n  hosts:\n    "h[01:3]":\n', 3, 5, /equal-length/);
  });
});

describe('group_vars / host_vars errors point into the vars file', () => {
  it('a vars file that is a list', () => {
    const dir = tmpTree({ 'inv.ini': '[g]\nh\n', 'group_vars/g.yml': '# list\n- a\n- b\n' });
    expectErrorAt(() => loadInventory(join(dir, 'inv.ini')), join(dir, 'group_vars/g.yml'), 2, 1, /must contain a mapping, got a list/);
  });

  it('a duplicate key in host_vars', () => {
    const dir = tmpTree({ 'inv.ini': 'h\n', 'host_vars/h.yaml': 'a: 1\nb: 2\na: 3\n' });
    expectErrorAt(() => loadInventory(join(dir, 'inv.ini')), join(dir, 'host_vars/h.yaml'), 3, 1, /duplicate key 'a'/);
  });

  it('a vault-encrypted vars file', () => {
    const dir = tmpTree({ 'inv.ini': 'h\n', 'group_vars/all': '$ANSIBLE_VAULT;1.1;AES256\n3131\n' });
    expectErrorAt(() => loadInventory(join(dir, 'inv.ini')), join(dir, 'group_vars/all'), 1, 1, /vault/);
  });
});

describe('unusable inventory files name the file', () => {
  it('missing file', () => {
    const file = join(tmpTree({}), 'nope.ini');
    const err = inputError(() => loadInventory(file));
    expect(err.where).toEqual({ file });
    expect(err.message).toBe(`${file}: cannot read file: no such file`);
  });

  it('a directory or a device instead of a file', () => {
    const dir = tmpTree({});
    // Ansible would merge every inventory in the directory: say how to get one file.
    expect(inputError(() => loadInventory(dir)).message).toBe(
      `${dir}: is a directory: crane-fix reads one inventory file; pass the file, or make it static once with 'ansible-inventory -i ${dir} --list --yaml > static.yml' and pass static.yml`,
    );
    expect(inputError(() => loadInventory('/dev/null')).message).toBe('/dev/null: is not a regular file');
  });

  it('binary file (NUL byte), with the position of the byte', () => {
    errAt('bin', Buffer.from([0x5b, 0x67, 0x5d, 0x0a, 0x68, 0x00, 0x01]), 2, 2, /binary file/);
  });

  it('a file over 10 MiB, without reading it', () => {
    const file = tmpFile('huge.ini', '');
    const fd = openSync(file, 'w');
    writeSync(fd, 'x', MAX_INPUT_BYTES); // sparse: one byte past the limit
    closeSync(fd);
    const err = inputError(() => loadInventory(file));
    expect(err.where).toEqual({ file });
    expect(err.detail).toMatch(/too large \(10485761 bytes, limit 10485760\)/);
  });

  it('an inventory without hosts (empty, comments only, or only empty groups)', () => {
    for (const content of ['', '# nothing here\n; nor here\n', '[web]\n[db:children]\nweb\n', 'all:\n  children:\n    web:\n']) {
      const file = tmpFile(content.startsWith('all:') ? 'empty.yml' : 'empty.ini', content);
      const err = inputError(() => loadInventory(file));
      expect(err.message).toBe(`${file}: inventory defines no hosts: add hosts under a group (INI: a line under [group]; YAML: the group's hosts:)`);
      // As ansible-inventory --list shows it (the `inventory` command's mode).
      expect(loadInventory(file, { allowEmpty: true }).hosts.size).toBe(0);
    }
  });

  it("an inventory whose host lines are all commented out (kubespray's sample) points at the first one", () => {
    const ini = '# Configure the ip variable\n[kube_control_plane]\n# node1 ansible_host=95.54.0.12  # ip=10.3.0.1\n# node2 ansible_host=95.54.0.13\n\n[etcd:children]\nkube_control_plane\n';
    errAt('inventory.ini', ini, 3, 1, /^inventory defines no hosts: its host lines are commented out, the first here \('# node1 ansible_host=95\.54\.0\.12  # ip=10\.3\.0\.1'\); uncomment the hosts to run on$/);
    // Prose comments are not taken for hosts.
    const prose = tmpFile('prose.ini', '# See the docs for tips\n# Required\n[web]\n# one two three\n');
    expect(inputError(() => loadInventory(prose)).where).toEqual({ file: prose });
  });

  it('a dynamic inventory script, with what to do instead', () => {
    errAt('ec2.py', '#!/usr/bin/env python3\nimport json\nprint(json.dumps({}))\n', 1, 1, /dynamic inventory script.*does not run inventory scripts: make it static once with 'ansible-inventory -i \S+ec2\.py --list --yaml > static\.yml'/);
  });

  it('a comma-separated host list given as -i', () => {
    const err = inputError(() => loadInventory('10.0.0.1,10.0.0.2,'));
    expect(err.message).toMatch(/^10\.0\.0\.1,10\.0\.0\.2,: no such file \(a comma-separated host list is not supported/);
  });
});
