/**
 * Issue 18 part 5: every `--json` of every command prints one JSON document on stdout — the
 * commands that contact hosts included, on real lab nodes. The list of commands with a
 * `--json` option is read from the program itself, so a new `--json` without a case here
 * fails the first test. Each case parses stdout as JSON and checks what the document is
 * about (not only that it parses), at the option's place a user would write it.
 * Lab: subnet 51, /tmp/crane-fix-18-json, 2 nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { EXIT } from '../../src/errors.js';
import { labDown, labUp, nodeExec, type LabState } from '../../src/lab/lab.js';
import { resolvConf } from '../../src/lab/seed.js';
import { cli, skipReason, type CliResult } from './labHelpers.js';

const DIR = '/tmp/crane-fix-18-json';

/** `apply`, `runs show`, `lab status` …: every command (at any depth) that has a --json option. */
function commandsWithJson(cmd: Command, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const sub of cmd.commands) {
    const name = [...prefix, sub.name()];
    if (sub.options.some((o) => o.long === '--json')) out.push(name.join(' '));
    out.push(...commandsWithJson(sub, name));
  }
  return out;
}

interface Case {
  /** The command's path, as commandsWithJson names it. */
  command: string;
  args: () => string[];
  code: number;
  /** What the document must say. */
  check: (doc: any, r: CliResult) => void;
}

describe.skipIf(skipReason)('--json on every command, against lab nodes', () => {
  let lab: LabState;
  let work: string;
  let journal: string;
  let inv: string;
  let schedule: string;
  const runIds: Record<string, string> = {};
  const sharded: string[] = [];
  let shard1Hosts: string[] = [];
  const statuses = (d: any) => Object.entries(d.hosts).map(([n, h]: [string, any]) => `${n} ${h.status}`);
  const names = () => lab.nodes.map((n) => n.name).sort();

  beforeAll(async () => {
    lab = await labUp({ nodes: 2, dir: DIR, disks: false, subnet: 51 });
    work = path.join(DIR, 'work');
    journal = path.join(work, 'journal');
    fs.mkdirSync(journal, { recursive: true });
    for (const n of lab.nodes) {
      const b64 = Buffer.from(resolvConf({ ...n, resolv: 'five' })).toString('base64');
      await nodeExec(n, `echo ${b64} | base64 -d > /etc/resolv.conf`);
    }
    inv = lab.inventoryIni;
    schedule = path.join(work, 'schedule.yaml');
    fs.writeFileSync(schedule, [
      'jobs:',
      '  - name: trim-check',
      '    cron: "0 3 * * *"',
      `    inventory: ${inv}`,
      '    fixes: [resolv-conf-trim]',
      '    mode: check',
      '',
    ].join('\n'));
  }, 180_000);

  afterAll(async () => {
    if (lab) await labDown({ dir: DIR });
  });

  const J = () => ['--journal-dir', journal];
  // In the order they run: later cases read the runs earlier ones journaled.
  const cases: Case[] = [
    { command: 'lab status', args: () => ['lab', 'status', '--dir', DIR, '--json'], code: 0,
      check: (d) => expect(d.nodes.map((n: any) => [n.name, n.listening]).sort()).toEqual(names().map((n) => [n, true])) },
    { command: 'fixes', args: () => ['fixes', '--json'], code: 0,
      check: (d) => expect(d.map((e: any) => e.id)).toContain('resolv-conf-trim') },
    { command: 'fixes show', args: () => ['fixes', 'show', 'resolv-conf-trim', '--json', '--lang', 'zh'], code: 0,
      check: (d) => expect(d.id).toBe('resolv-conf-trim') },
    { command: 'diagnose', args: () => ['diagnose', '--json', '--log', path.join(work, 'coredns.log')], code: 0,
      check: (d) => expect(d.matches[0].entryId).toBe('resolv-conf-nameserver') },
    { command: 'check', args: () => ['check', '-i', inv, 'resolv-conf-trim', '--json'], code: EXIT.AFFECTED,
      check: (d) => expect(JSON.stringify(d)).toMatch(/resolv-conf-trim/) },
    { command: 'schedule validate', args: () => ['schedule', 'validate', schedule, '--json'], code: 0,
      check: (d) => expect(JSON.stringify(d)).toContain('trim-check') },
    { command: 'schedule list', args: () => ['schedule', 'list', schedule, '--json', '--from', '2026-01-01T00:00:00Z'], code: 0,
      check: (d) => expect(JSON.stringify(d)).toContain('2026-01-01T03:00:00') },
    { command: 'schedule once', args: () => ['schedule', 'once', schedule, 'trim-check', '--json', ...J()], code: EXIT.AFFECTED,
      check: (d) => expect(JSON.stringify(d)).toMatch(/resolv-conf-trim/) },
    { command: 'schedule history', args: () => ['schedule', 'history', '--json', ...J()], code: 0,
      check: (d) => expect(JSON.stringify(d)).toContain('trim-check') },
    { command: 'apply', args: () => ['apply', '-i', inv, 'resolv-conf-trim', '--dry-run', '--json', ...J()], code: 0,
      check: (d) => expect(Object.keys(d.hosts).sort()).toEqual(names()) },
    // Two shards of one fleet: which host lands in which shard is the stable hash's choice.
    { command: 'apply', args: () => ['apply', '-i', inv, 'resolv-conf-trim', '--shard', '1/2', '--yes', '--json', ...J()], code: 0,
      check: (d) => ((runIds.shard1 = d.runId), (shard1Hosts = Object.keys(d.hosts).sort()), sharded.push(...statuses(d))) },
    { command: 'apply', args: () => ['apply', '-i', inv, 'resolv-conf-trim', '--shard', '2/2', '--yes', '--json', ...J()], code: 0,
      check: (d) => ((runIds.shard2 = d.runId), sharded.push(...statuses(d)), expect(sharded.sort()).toEqual(names().map((n) => `${n} changed`))) },
    { command: 'runs', args: () => ['runs', '--json', ...J()], code: 0,
      check: (d) => expect(JSON.stringify(d)).toContain(runIds.shard2!) },
    { command: 'runs show', args: () => ['runs', 'show', runIds.shard1!, '--json', ...J()], code: 0,
      check: (d) => expect(JSON.stringify(d)).toContain(runIds.shard1!) },
    { command: 'runs merge', args: () => ['runs', 'merge', runIds.shard1!, runIds.shard2!, '--json', ...J()], code: 0,
      check: (d) => expect(JSON.stringify(d)).toMatch(new RegExp(names().join('.*'))) },
    { command: 'rollback', args: () => ['rollback', runIds.shard1!, '--json', ...J()], code: 0,
      check: (d) => expect(statuses(d).sort()).toEqual(shard1Hosts.map((n) => `${n} rolled-back`)) },
  ];

  it('every command with a --json option has a case here', async () => {
    const program = await buildProgram(COMMANDS, ['node', 'crane-fix']);
    expect([...new Set(cases.map((c) => c.command))].sort()).toEqual(commandsWithJson(program).sort());
  });

  it.each(cases.map((c, i) => [`${i + 1}. ${c.command}`, c] as const))('%s', async (_label, c) => {
    fs.writeFileSync(path.join(work, 'coredns.log'), '[ERROR] plugin/forward: no nameservers found\n');
    const args = c.args();
    const r = await cli(args);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(c.code);
    expect(r.json, `stdout of ${args.join(' ')} is not JSON:\n${r.stdout.slice(0, 400)}`).toBeDefined();
    c.check(r.json, r);
  });

  it('inventory --list and --host print JSON without an option for it (as ansible-inventory)', async () => {
    const list = await cli(['inventory', '-i', inv, '--list', '--json']);
    expect(list.code, list.stderr).not.toBe(0); // no --json option: a usage error, not ignored
    const l = await cli(['inventory', '-i', inv, '--list']);
    expect(Object.keys(JSON.parse(l.stdout)._meta.hostvars).sort()).toEqual(names());
    const h = await cli(['inventory', '-i', inv, '--host', lab.nodes[0]!.name]);
    expect(JSON.parse(h.stdout).ansible_host).toBe(lab.nodes[0]!.ip);
  });

  it('a failing run still prints one JSON document (unreachable host)', async () => {
    const bad = path.join(work, 'bad.ini');
    fs.writeFileSync(bad, fs.readFileSync(inv, 'utf8').replace(lab.nodes[1]!.ip, '127.0.51.250'));
    const r = await cli(['apply', '-i', bad, 'resolv-conf-trim', '--dry-run', '--json', '--connect-timeout', '3', ...J()]);
    expect(r.code, r.stderr).toBe(EXIT.UNREACHABLE);
    expect(r.json, r.stdout.slice(0, 400)).toBeDefined();
    expect(r.json.hosts[lab.nodes[1]!.name].status).toMatch(/unreachable|failed/);
  });

  it('bad input with --json: exit 1, the error on stderr, nothing half-written on stdout', async () => {
    const bad = path.join(work, 'broken.ini');
    fs.writeFileSync(bad, '[nodes\nnode01\n');
    const r = await cli(['apply', '-i', bad, 'resolv-conf-trim', '--json', ...J()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.ini:1/);
    expect(r.stdout).toBe('');
  });
});
