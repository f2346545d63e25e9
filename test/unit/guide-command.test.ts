/** The printed `crane-fix apply …` command: quoting, -e round trip through the real parser and shell. */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyArgv, commandLine, extraVarArg, rollbackCommand, shellWord } from '../../src/guide/command.js';
import { parseExtraVars } from '../../src/inventory/index.js';

/** What sh makes of a command line: the argv it would pass. */
function shWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `for a in ${line.replace(/^crane-fix /, '')}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('guide: the equivalent command', () => {
  it('rebuilds a typical session', () => {
    const c = { inventory: 'crane/nodes', fixId: 'clusterip-dns', limit: 'kube-node:!node03', vars: [['dns_cluster_ip', '10.9.0.10']] as [string, string][] };
    expect(commandLine(applyArgv(c))).toBe("crane-fix apply -i crane/nodes clusterip-dns --limit 'kube-node:!node03' -e dns_cluster_ip=10.9.0.10");
    expect(commandLine(applyArgv(c, { dryRun: true }))).toBe("crane-fix apply -i crane/nodes clusterip-dns --limit 'kube-node:!node03' -e dns_cluster_ip=10.9.0.10 --dry-run");
  });

  it('leaves --limit out when every host is selected and keeps flag order stable', () => {
    const argv = applyArgv({ inventory: '/tmp/lab/nodes.ini', fixId: 'resolv-conf-trim', vars: [], journalDir: '/j', knownHosts: ['/k1', '/k 2'], acceptNewHostKeys: true, connectTimeout: 5 });
    expect(argv).toEqual(['apply', '-i', '/tmp/lab/nodes.ini', 'resolv-conf-trim', '--journal-dir', '/j', '--known-hosts', '/k1', '--known-hosts', '/k 2', '--accept-new-host-keys', '--connect-timeout', '5']);
    expect(commandLine(argv)).toContain("--known-hosts '/k 2'");
  });

  it('repeats -F and -K, never a password', () => {
    const argv = applyArgv({ inventory: 'inv', fixId: 'drop-caches', vars: [], sshConfig: '/root/.ssh/bastion config', askBecomePass: true });
    expect(commandLine(argv)).toBe("crane-fix apply -i inv drop-caches --ssh-config '/root/.ssh/bastion config' --ask-become-pass");
  });

  it('quotes only what needs quoting', () => {
    expect(shellWord('node01,node02')).toBe('node01,node02');
    expect(shellWord('node0*')).toBe("'node0*'");
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('')).toBe("''");
    expect(shellWord('$HOME')).toBe("'$HOME'");
  });

  it('writes -e as k=v when parse_kv reads it back unchanged, else as inline JSON', () => {
    expect(extraVarArg('dns_cluster_ip', '10.9.0.10')).toBe('dns_cluster_ip=10.9.0.10');
    expect(extraVarArg('resolv_conf', '/etc/resolv.conf')).toBe('resolv_conf=/etc/resolv.conf');
    expect(extraVarArg('kube_proxy_node_port_addresses', '')).toBe('kube_proxy_node_port_addresses=');
    expect(extraVarArg('x', 'a b')).toBe('{"x":"a b"}');
    expect(extraVarArg('x', 'true')).toBe('x=true');
    expect(() => extraVarArg('bad name', 'v')).toThrow(RangeError);
  });

  it('any string value survives -e exactly as typed (through sh and the -e parser)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }).filter((v) => !v.includes('\0')), (value) => {
        const arg = extraVarArg('v', value);
        expect(parseExtraVars([arg], '/')).toEqual({ v: value });
        const line = commandLine(['-e', arg]);
        expect(shWords(line)).toEqual(['-e', arg]);
      }),
      { numRuns: 60 },
    );
  });

  it('any inventory path and pattern survive the shell', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !v.includes('\0')), fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !v.includes('\0')), (inv, limit) => {
        const argv = applyArgv({ inventory: inv, fixId: 'drop-caches', limit, vars: [] });
        expect(shWords(commandLine(argv))).toEqual(argv);
      }),
      { numRuns: 40 },
    );
  });

  it('names the journal dir in the rollback hint only when it is not the default', () => {
    expect(rollbackCommand('20261127T040443Z-91bf04')).toBe('crane-fix rollback 20261127T040443Z-91bf04');
    expect(rollbackCommand('r1', '/tmp/j j')).toBe("crane-fix rollback r1 --journal-dir '/tmp/j j'");
  });
});
