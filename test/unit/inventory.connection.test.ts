import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadInventory,
  lookupSshConfig,
  parseSshConfig,
  resolveConnection,
  type InventoryHost,
} from '../../src/inventory/index.js';
import { knownHostsFilesFor } from '../../src/transport/knownHosts.js';
import { expectErrorAt, FIXTURES, inputError, tmpFile, tmpTree } from './inventory.helpers.js';

const ENV = { HOME: '/home/op', USER: 'op' };
const NO_CONFIG = tmpFile('empty_ssh_config', '# no settings\n');

function host(vars: Record<string, unknown>, name = 'h1'): InventoryHost {
  return { name, vars, groups: ['all', 'ungrouped'], pos: { file: '/inv/hosts', line: 7, col: 1 } };
}
const resolve = (vars: Record<string, unknown>, sshConfig = NO_CONFIG, env: NodeJS.ProcessEnv = ENV, name = 'h1') =>
  resolveConnection(host(vars, name), { sshConfigPath: sshConfig, env });

describe('resolveConnection from the Crane inventory', () => {
  const inv = loadInventory(join(FIXTURES, 'crane/nodes'));

  it('lets -e vars win over the inventory connection vars, as Ansible does (-e ansible_ssh_private_key_file=...)', () => {
    const h = inv.hosts.get('192.168.6.97')!;
    const spec = resolveConnection(h, { sshConfigPath: NO_CONFIG, env: ENV, extraVars: { ansible_ssh_private_key_file: '~/keys/lab', ansible_ssh_user: 'admin', ansible_ssh_port: 2222 } });
    // (Crane's inventory sets ansible_ssh_user/ansible_ssh_port, which win by name over ansible_user/ansible_port at any level.)
    expect(spec).toMatchObject({ host: '192.168.6.97', user: 'admin', port: 2222, privateKeyPath: '/home/op/keys/lab' });
    // The inventory itself is not changed by it.
    expect(resolveConnection(h, { sshConfigPath: NO_CONFIG, env: ENV })).toMatchObject({ user: 'root', port: 22, privateKeyPath: '/root/.ssh/id_rsa' });
  });

  it('ssh args: ansible_ssh_common_args then ansible_ssh_extra_args, -e winning; the known_hosts file they name is used by apply, check and rollback alike', () => {
    const common = '-o UserKnownHostsFile=/etc/fleet/known_hosts -o StrictHostKeyChecking=yes';
    expect(resolve({ ansible_ssh_common_args: common, ansible_ssh_extra_args: '-o ServerAliveInterval=5' }).sshArgs).toBe(`${common} -o ServerAliveInterval=5`);
    // Only the extra args set (check used to read ansible_ssh_common_args alone and missed it).
    const extraOnly = resolve({ ansible_ssh_extra_args: '-o UserKnownHostsFile=/k' });
    expect(knownHostsFilesFor(undefined, extraOnly.sshArgs)).toEqual(['/k']);
    const h = host({ ansible_ssh_common_args: common });
    expect(resolveConnection(h, { sshConfigPath: NO_CONFIG, env: ENV, extraVars: { ansible_ssh_common_args: '-o UserKnownHostsFile=/tmp/lab_known' } }).sshArgs).toBe('-o UserKnownHostsFile=/tmp/lab_known');
    expect(resolve({}).sshArgs).toBeUndefined();
    expect(() => resolve({ ansible_ssh_common_args: ['-o', 'X=1'] })).toThrow(/ansible_ssh_common_args must be a string/);
  });

  it('resolves a plain Crane host from [all:vars]', () => {
    expect(resolveConnection(inv.hosts.get('192.168.6.97')!, { sshConfigPath: NO_CONFIG, env: ENV })).toEqual({
      name: '192.168.6.97',
      host: '192.168.6.97',
      port: 22,
      user: 'root',
      privateKeyPath: '/root/.ssh/id_rsa',
      become: false,
      becomeMethod: 'sudo',
      becomeUser: 'root',
    });
  });

  it('lets ansible_ssh_user (all:vars) win over ansible_user (host line), as Ansible does', () => {
    const spec = resolveConnection(inv.hosts.get('node3')!, { sshConfigPath: NO_CONFIG, env: ENV });
    expect(spec).toMatchObject({ name: 'node3', host: '10.0.0.3', user: 'root', port: 22 });
  });

  it('expands ~ in the upstream file quoted key path', () => {
    const up = loadInventory(join(FIXTURES, 'crane-upstream/nodes'));
    const spec = resolveConnection(up.hosts.get('35.200.23.39')!, { sshConfigPath: NO_CONFIG, env: ENV });
    expect(spec).toMatchObject({ user: 'shilei', port: 22, privateKeyPath: '/home/op/.ssh/id_rsa' });
  });
});

describe('resolveConnection variables', () => {
  it('defaults: inventory name, port 22, $USER, no key, no become', () => {
    expect(resolve({})).toEqual({ name: 'h1', host: 'h1', port: 22, user: 'op', become: false, becomeMethod: 'sudo', becomeUser: 'root' });
    expect(resolve({}, NO_CONFIG, { HOME: '/root' }).user).toBe('root');
  });

  it('when both aliases are set, the later-documented one wins', () => {
    expect(resolve({ ansible_host: 'a', ansible_ssh_host: 'b' }).host).toBe('b');
    expect(resolve({ ansible_port: 2222, ansible_ssh_port: 22 }).port).toBe(22);
    expect(resolve({ ansible_private_key_file: '/a', ansible_ssh_private_key_file: '/b' }).privateKeyPath).toBe('/b');
    expect(resolve({ ansible_ssh_port: null, ansible_port: 2200 }).port).toBe(2200); // null counts as unset
  });

  it('accepts ports given as strings and expands $VARS and ~ in key paths', () => {
    expect(resolve({ ansible_port: '2222' }).port).toBe(2222);
    expect(resolve({ ansible_ssh_private_key_file: '$HOME/keys/${USER}.pem' }).privateKeyPath).toBe('/home/op/keys/op.pem');
    expect(resolve({ ansible_ssh_private_key_file: '~' }).privateKeyPath).toBe('/home/op');
    expect(resolve({ ansible_ssh_private_key_file: '$NOPE/k' }).privateKeyPath).toBe('$NOPE/k');
  });

  it('become settings, with method-specific password aliases', () => {
    expect(resolve({ ansible_become: 'yes', ansible_become_user: 'postgres', ansible_become_pass: 's3cret' })).toMatchObject({
      become: true,
      becomeMethod: 'sudo',
      becomeUser: 'postgres',
      becomePassword: 's3cret',
    });
    expect(resolve({ ansible_become: 1, ansible_become_password: 'a', ansible_become_pass: 'b', ansible_sudo_pass: 'c' }).becomePassword).toBe('c');
    expect(resolve({ ansible_become: 'False', ansible_become_method: 'su', ansible_sudo_pass: 'x', ansible_su_pass: 'y', ansible_su_user: 'z' })).toMatchObject({
      become: false,
      becomeMethod: 'su',
      becomePassword: 'y',
      becomeUser: 'z',
    });
    // INI literal_eval turns a numeric password into an int; Ansible uses str() of it
    expect(resolve({ ansible_become_pass: 1234 }).becomePassword).toBe('1234');
  });

  it('connect timeout from ansible_ssh_timeout / ansible_timeout seconds', () => {
    expect(resolve({ ansible_ssh_timeout: 5 }).connectTimeoutMs).toBe(5000);
    expect(resolve({ ansible_timeout: '2.5' }).connectTimeoutMs).toBe(2500);
  });

  it('rejects bad values, naming the host and the variable', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ansible_port: 70000 }, /ansible_port must be a port number 1-65535, got 70000/],
      [{ ansible_ssh_port: 'ssh' }, /ansible_ssh_port must be a port number/],
      [{ ansible_port: true }, /ansible_port must be a port number/],
      [{ ansible_become: 'maybe' }, /ansible_become is not a valid boolean: "maybe"/],
      [{ ansible_user: '' }, /ansible_user must be a non-empty string/],
      [{ ansible_host: ['a'] }, /ansible_host must be a string/],
      [{ ansible_ssh_timeout: 0 }, /ansible_ssh_timeout must be a positive number/],
    ];
    for (const [vars, detail] of cases) {
      const err = inputError(() => resolve(vars));
      expect(err.where).toEqual({ file: '/inv/hosts', line: 7, col: 1 });
      expect(err.detail).toMatch(/^host 'h1': /);
      expect(err.detail).toMatch(detail);
    }
  });
});

describe('ssh config', () => {
  const config = tmpFile(
    'config',
    [
      '# global defaults come first and apply to every host',
      'ConnectTimeout 5',
      'Include ~/.ssh/config.d/*',
      '',
      'Host bastion',
      '  HostName 203.0.113.10',
      '  User jump',
      '  Port 2200',
      '',
      'Host node? !node9',
      '  HostName %h.internal',
      '  User = nodeuser',
      '  Port=2022',
      '  IdentityFile ~/.ssh/nodes_%r',
      '  IdentityFile ~/.ssh/second',
      '  ProxyJump bastion',
      '',
      'Match exec "test -f /x"',
      '  User never',
      '',
      'Host "10.0.0.*"',
      '  User ten  # trailing comment',
      '  ProxyJump admin@gw1:2201,gw2',
      '',
      'Host gw2',
      '  ProxyJump none',
      '',
      'Match all',
      '  Port 2999',
      '',
      'Host *',
      '  User fallback',
      '  Port 2100',
      '  IdentityFile %d/.ssh/id_default',
    ].join('\n'),
  );
  const cfg = parseSshConfig(config, readFileSync(config, 'utf8'));

  it('matches Host patterns with *, ? and negation; first obtained value wins', () => {
    const n1 = lookupSshConfig(cfg, 'node1');
    expect(n1.hostName?.value).toBe('%h.internal');
    expect(n1.user?.value).toBe('nodeuser');
    expect(n1.port?.value).toBe(2022);
    expect(n1.identityFiles.map((i) => i.value)).toEqual(['~/.ssh/nodes_%r', '~/.ssh/second', '%d/.ssh/id_default']);
    expect(lookupSshConfig(cfg, 'node9').user?.value).toBe('fallback'); // negated
    expect(lookupSshConfig(cfg, 'node10').user?.value).toBe('fallback'); // ? is one character
    expect(lookupSshConfig(cfg, 'NODE1').user?.value).toBe('nodeuser'); // ssh lowercases the host
  });

  it('skips Match blocks it cannot evaluate and applies Match all', () => {
    expect(lookupSshConfig(cfg, 'other').port?.value).toBe(2999);
    expect(lookupSshConfig(cfg, 'other').user?.value).toBe('fallback');
  });

  it('resolves HostName tokens, IdentityFile tokens and ProxyJump through the config', () => {
    const spec = resolveConnection(host({}, 'node1'), { sshConfigPath: config, env: ENV });
    expect(spec).toEqual({
      name: 'node1',
      host: 'node1.internal',
      port: 2022,
      user: 'nodeuser',
      privateKeyPath: '/home/op/.ssh/nodes_nodeuser',
      become: false,
      becomeMethod: 'sudo',
      becomeUser: 'root',
      proxyJump: {
        name: 'bastion',
        host: '203.0.113.10',
        port: 2200,
        user: 'jump',
        privateKeyPath: '/home/op/.ssh/id_default',
        become: false,
        becomeMethod: 'sudo',
        becomeUser: 'root',
      },
    });
  });

  it('inventory vars win over the ssh config, which is looked up by ansible_host', () => {
    const spec = resolveConnection(host({ ansible_host: 'node2', ansible_user: 'inv', ansible_port: 22 }, 'web'), {
      sshConfigPath: config,
      env: ENV,
    });
    expect(spec).toMatchObject({ name: 'web', host: 'node2.internal', user: 'inv', port: 22, privateKeyPath: '/home/op/.ssh/nodes_inv' });
  });

  it('builds a ProxyJump chain: target -> gw2 -> admin@gw1:2201', () => {
    const spec = resolveConnection(host({ ansible_host: '10.0.0.7' }, 'n7'), { sshConfigPath: config, env: ENV });
    expect(spec.user).toBe('ten');
    expect(spec.proxyJump).toMatchObject({ name: 'gw2', host: 'gw2', user: 'fallback', port: 2999 });
    expect(spec.proxyJump!.proxyJump).toMatchObject({ name: 'admin@gw1:2201', host: 'gw1', user: 'admin', port: 2201 });
    expect(spec.proxyJump!.proxyJump!.proxyJump).toBeUndefined();
  });

  it('rejects bad ssh config lines with file:line:col', () => {
    const bad = tmpFile('config', 'Host a\n  Port 99999\n');
    expectErrorAt(() => resolveConnection(host({}, 'a'), { sshConfigPath: bad, env: ENV }), bad, 2, 8, /bad port number '99999'/);
    const noArg = tmpFile('config', 'Host a\n  User\n');
    expectErrorAt(() => resolveConnection(host({}, 'a'), { sshConfigPath: noArg, env: ENV }), noArg, 2, 3, /no argument after keyword "User"/);
    const quote = tmpFile('config', 'Host a\n  User "oops\n');
    expectErrorAt(() => resolveConnection(host({}, 'a'), { sshConfigPath: quote, env: ENV }), quote, 2, 8, /invalid quotes/);
    const jump = tmpFile('config', 'Host a\n  ProxyJump user@:22\n');
    expectErrorAt(() => resolveConnection(host({}, 'a'), { sshConfigPath: jump, env: ENV }), jump, 2, 13, /invalid ProxyJump host 'user@:22'/);
    const loop = tmpFile('config', 'Host a\n  ProxyJump a\n');
    expectErrorAt(() => resolveConnection(host({}, 'a'), { sshConfigPath: loop, env: ENV }), loop, 2, 13, /longer than 10 hops/);
  });

  it('an explicit ssh config path must exist; the default one is optional', () => {
    const missing = join(tmpTree({}), 'nope');
    expect(inputError(() => resolveConnection(host({}), { sshConfigPath: missing, env: ENV })).message).toBe(`${missing}: cannot read file: no such file`);
    const home = tmpTree({});
    expect(resolveConnection(host({}), { env: { HOME: home, USER: 'me' } }).user).toBe('me');
    const home2 = tmpTree({ '.ssh/config': 'Host h1\n  User fromdefault\n' });
    expect(resolveConnection(host({}), { env: { HOME: home2 } }).user).toBe('fromdefault');
  });
});
