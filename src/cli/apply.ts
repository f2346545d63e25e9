/**
 * `crane-fix apply` and `crane-fix rollback`. The contract (names, exit codes, --json shape)
 * is relied upon by other tools and tests; see README "CLI contract".
 */
import type { Command } from 'commander';
import { InputError, ExitError } from '../errors.js';
import { parseExtraVars } from '../inventory/index.js';
import { formatShard, parseShard } from '../inventory/shard.js';
import { runApply, checkApplyInput, type RunReport } from '../engine/run.js';
import { runRollback } from '../engine/rollback.js';
import { humanLog, confirmOnTty, installSignalHandlers, askSecret } from './io.js';
import type { HostProgress } from './progress.js';

/**
 * Live progress only on a terminal (see progress.ts). Decided here, so that listr2 — a
 * sizeable module to compile — is loaded only when it will draw: `apply --json` and runs
 * in pipes or CI never need it, and start-up CPU is counted per host.
 */
function progressEnabled(json: boolean): boolean {
  return !json && Boolean(process.stdout.isTTY) && !process.env.CI;
}

function intOpt(flag: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InputError(`expects a whole number, got ${JSON.stringify(v)}`, { flag });
    return Number(v);
  };
}

function numOpt(flag: string, min = -Infinity, max = Infinity) {
  return (v: string) => {
    const n = Number(v);
    if (!v.trim() || !Number.isFinite(n)) throw new InputError(`expects a number, got ${JSON.stringify(v)}`, { flag });
    if (n < min || n > max) throw new InputError(`expects a number from ${min} to ${max}, got ${v}`, { flag });
    return n;
  };
}

/** Seconds for a timeout: positive and below Node's timer limit (~24.8 days), which would otherwise fire at once. */
const secondsOpt = (flag: string, min = 0.001) => numOpt(flag, min, 2_000_000);

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function jsonReport(r: RunReport): string {
  return (
    JSON.stringify(
      {
        runId: r.runId,
        mode: r.mode,
        hosts: Object.fromEntries(
          Object.entries(r.hosts).map(([h, x]) => [
            h,
            {
              status: x.status,
              tasks: x.tasks.map((t) => ({
                name: t.name,
                status: t.status,
                changed: t.changed,
                ...(t.diff ? { diff: t.diff } : {}),
                ...(t.warnings?.length ? { warnings: t.warnings } : {}),
                ...(t.error ? { error: t.error } : {}),
                ...(t.verify ? { verify: true } : {}),
                ...(t.handler ? { handler: true } : {}),
                ...(t.rollbackHook ? { rollbackHook: true } : {}),
              })),
              ...(x.error ? { error: x.error } : {}),
              ...(x.notes?.length ? { notes: x.notes } : {}),
              ...(x.sessions !== undefined ? { sessions: x.sessions } : {}),
              ...(x.roundTrips !== undefined ? { roundTrips: x.roundTrips } : {}),
            },
          ]),
        ),
        summary: r.summary,
        ...(r.shard ? { shard: { ...r.shard, shard: formatShard(r.shard) } } : {}),
        ...(r.interrupted ? { interrupted: true } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('Run playbooks or catalogue fixes on the inventory (dry-run with --dry-run)')
    .requiredOption('-i, --inventory <file>', 'Ansible inventory (YAML or INI, e.g. Crane\'s crane/nodes)')
    .argument('<targets...>', 'playbook files or fix ids (see `crane-fix fixes`)')
    .option('-l, --limit <pattern>', 'Ansible host pattern: group, host, glob, !exclude, &intersect, a,b')
    .option('--dry-run', 'gather and plan only: show what would change, change nothing')
    .option('--check', 'alias of --dry-run (Ansible\'s name)')
    .option('--diff', 'show unified diffs of every change')
    .option('--syntax-check', 'check inventory, playbooks, vars and templates for every host, then exit; no host is contacted')
    .option('-f, --forks <n>', 'hosts worked on at once', intOpt('--forks'), 50)
    .option('--serial <n|n%>', 'rolling batches (overrides the play\'s serial)')
    .option('--max-fail-percent <p>', 'stop after a batch with more failures than this', numOpt('--max-fail-percent', 0, 100))
    .option('-e, --extra-vars <k=v|@file>', 'extra vars (repeatable), highest precedence', collect, [])
    .option('-y, --yes', 'consent to irreversible/destructive steps')
    .option('--json', 'one JSON document on stdout; human output on stderr')
    .option('--journal-dir <dir>', 'where runs are journaled (default ~/.local/state/crane-fix/runs)')
    .option('--no-rollback', 'on failure, leave the host as it is for inspection')
    .option('--known-hosts <file>', 'known_hosts file(s) to verify host keys against', collect, [])
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--connect-timeout <s>', 'SSH connect timeout in seconds', secondsOpt('--connect-timeout'), 10)
    .option('--timeout <s>', 'per-command timeout in seconds', secondsOpt('--timeout'), 300)
    .option('-F, --ssh-config <file>', 'ssh_config to read (default ~/.ssh/config)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password on the terminal')
    .option('--lock-timeout <s>', 'wait this long for another run\'s lock on a host', secondsOpt('--lock-timeout', 0), 30)
    .option('--shard <i/n>', 'only shard i of n (1-based) of the selected hosts, split by a stable hash of the hostname: n runs cover every host once (docs/shard.md)', (v: string) => parseShard(v))
    .action(async (targets: string[], o) => {
      const extraVars = parseExtraVars(o.extraVars as string[], process.cwd());
      if (o.syntaxCheck) {
        // Ansible's --syntax-check, but of everything crane-fix checks before connecting.
        const c = checkApplyInput({ inventory: o.inventory, targets, limit: o.limit, forks: o.forks, serial: o.serial, maxFailPercent: o.maxFailPercent, extraVars, knownHosts: o.knownHosts, sshConfig: o.sshConfig, shard: o.shard });
        const plays = c.prepared.length;
        const of = c.shard ? ` (shard ${formatShard(c.shard)} of ${c.shard.totalHosts})` : '';
        if (o.json) process.stdout.write(JSON.stringify({ syntaxCheck: 'ok', playbooks: c.playbooks.map((p) => p.file), plays, hosts: c.hosts, ...(c.shard ? { shard: { ...c.shard, shard: formatShard(c.shard) } } : {}) }, null, 2) + '\n');
        else humanLog(false)(`syntax check passed: ${c.playbooks.map((p) => p.file).join(', ')} — ${plays} play(s) on ${c.hosts.length} host(s)${of}; no host was contacted`);
        return;
      }
      const progress: HostProgress | undefined = progressEnabled(Boolean(o.json)) ? new (await import('./progress.js')).HostProgress() : undefined;
      const out = progress ? progress.log : humanLog(Boolean(o.json));
      // The become password comes from the environment or a no-echo prompt, never from argv.
      let becomePassword = process.env.CRANE_FIX_BECOME_PASSWORD || process.env.ANSIBLE_BECOME_PASS || undefined;
      if (o.askBecomePass) becomePassword = await askSecret('BECOME password: ');
      const signals = installSignalHandlers(humanLog(Boolean(o.json)));
      try {
        const report = await runApply({
          onHosts: progress?.begin,
          onHostProgress: progress?.phase,
          onHostDone: progress?.done,
          inventory: o.inventory,
          targets,
          limit: o.limit,
          dryRun: Boolean(o.dryRun || o.check),
          diff: Boolean(o.diff),
          forks: o.forks,
          serial: o.serial,
          maxFailPercent: o.maxFailPercent,
          extraVars,
          yes: Boolean(o.yes),
          journalDir: o.journalDir,
          noRollback: o.rollback === false,
          knownHosts: o.knownHosts,
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          connectTimeoutMs: o.connectTimeout * 1000,
          commandTimeoutMs: o.timeout * 1000,
          lockWaitS: o.lockTimeout,
          argv: process.argv.slice(2),
          log: out,
          confirm: confirmOnTty,
          signal: signals.signal,
          becomePassword,
          sshConfig: o.sshConfig,
          shard: o.shard,
        });
        await progress?.finish();
        if (o.json) process.stdout.write(jsonReport(report));
        if (report.exitCode) throw new ExitError(report.exitCode, '');
      } finally {
        await progress?.finish();
        signals.dispose();
      }
    });

  program
    .command('rollback')
    .description('Restore every host of a run from its journal (content, mode, owner) and re-run rollback hooks')
    .argument('<run-id>', 'see `crane-fix runs`')
    .option('--dry-run', 'show what would be restored')
    .option('-l, --limit <pattern>', 'only these hosts of the run')
    .option('--json', 'one JSON document on stdout')
    .option('--journal-dir <dir>', 'where runs are journaled')
    .option('--known-hosts <file>', 'known_hosts file(s)', collect, [])
    .option('--lock-timeout <s>', 'wait this long for another run\'s lock on a host (e.g. a step still running on a node that hung)', secondsOpt('--lock-timeout', 0), 30)
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password on the terminal (the journal never holds it)')
    .action(async (runId: string, o) => {
      const out = humanLog(Boolean(o.json));
      let becomePassword = process.env.CRANE_FIX_BECOME_PASSWORD || process.env.ANSIBLE_BECOME_PASS || undefined;
      if (o.askBecomePass) becomePassword = await askSecret('BECOME password: ');
      const report = await runRollback({ runId, dryRun: Boolean(o.dryRun), limit: o.limit, journalDir: o.journalDir, knownHosts: o.knownHosts, lockWaitS: o.lockTimeout, log: out, argv: process.argv.slice(2), becomePassword });
      if (o.json) process.stdout.write(jsonReport(report));
      if (report.exitCode) throw new ExitError(report.exitCode, '');
    });
}
