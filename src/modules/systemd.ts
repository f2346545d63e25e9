/**
 * ansible.builtin.systemd (systemd_service) and ansible.builtin.service on a systemd host,
 * ported from ansible-core 2.14 systemd.py:
 *
 *  - facts: `systemctl show` (LoadState/ActiveState/LoadError), `systemctl is-enabled`,
 *    and whether /etc/init.d/<name> exists (Ansible's sysv fallback for "found");
 *  - order of actions: daemon-reload, daemon-reexec, mask/unmask, enable/disable, state;
 *    `enabled` is judged on is-enabled as it is after mask/unmask (Ansible runs is-enabled
 *    again): `masked: true, enabled: false` on an enabled unit masks and does not disable;
 *  - `changed`: started only if not active/activating; stopped if active/activating/
 *    deactivating; restarted/reloaded always (a stopped unit is started instead);
 *    enabled compares `is-enabled` rc (0 = enabled, except exactly "indirect"/"alias");
 *    daemon_reload alone is NOT a change (Ansible reports ok), but still runs.
 *  - a unit that does not exist yet while daemon_reload=true is planned optimistically
 *    (it may be installed by an earlier task of the same run): outcome decided at apply;
 *  - not in Ansible: after a start/restart, a Type=simple unit must stay running for a
 *    moment (unitSettle.ts), so a crash-looping kubelet fails the task instead of passing.
 */
import { z } from 'zod';
import { aBool, aChoice, aStr, defineModule, failed, issue, options } from './common.js';
import { shellQuote } from './shellQuote.js';
import { settleCommand } from './unitSettle.js';
import type { CommandResult, FactRequest, ModuleDef, ModulePlan, Op, PlanContext } from './types.js';

const STATES = ['reloaded', 'restarted', 'started', 'stopped'] as const;

const systemdArgs = options(
  {
    name: aStr().optional(),
    state: aChoice(STATES).optional(),
    enabled: aBool().optional(),
    force: aBool().optional(),
    masked: aBool().optional(),
    daemon_reload: aBool().default(false),
    daemon_reexec: aBool().default(false),
    scope: aChoice(['system', 'user', 'global'] as const).default('system'),
    no_block: aBool().default(false),
  },
  { name: ['service', 'unit'], daemon_reload: ['daemon-reload'], daemon_reexec: ['daemon-reexec'] },
  (v, ctx) => {
    if (v.state === undefined && v.enabled === undefined && v.masked === undefined && !v.daemon_reload && !v.daemon_reexec) {
      issue(ctx, undefined, 'one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec');
    }
    for (const k of ['state', 'enabled', 'masked'] as const) {
      if (v[k] !== undefined && v.name === undefined) issue(ctx, k, `missing parameter(s) required by '${k}': name`);
    }
    if (v.name !== undefined) {
      for (const g of ['*', '?', '[']) {
        if (v.name.includes(g)) {
          issue(ctx, 'name', `This module does not currently support using glob patterns, found '${g}' in service name: ${v.name}`);
          break;
        }
      }
      if (v.name.trim() === '' || /[\s/]/.test(v.name)) issue(ctx, 'name', `invalid unit name ${JSON.stringify(v.name)}`);
    }
  },
);

const serviceArgs = options(
  {
    name: aStr(),
    state: aChoice(STATES).optional(),
    enabled: aBool().optional(),
    /** Ignored on systemd hosts (Ansible warns and drops them too). */
    sleep: z.unknown().optional(),
    pattern: aStr().optional(),
    arguments: aStr().optional(),
    runlevel: aStr().optional(),
    use: aChoice(['auto', 'systemd'] as const).default('auto'),
  },
  { arguments: ['args'] },
  (v, ctx) => {
    if (v.state === undefined && v.enabled === undefined) issue(ctx, undefined, 'Neither argument state nor enabled are set');
    for (const g of ['*', '?', '[']) {
      if (v.name.includes(g)) {
        issue(ctx, 'name', `This module does not currently support using glob patterns, found '${g}' in service name: ${v.name}`);
        break;
      }
    }
  },
);

type SystemdArgs = z.output<typeof systemdArgs>;
type ServiceArgs = z.output<typeof serviceArgs>;

function systemctl(a: Pick<SystemdArgs, 'scope' | 'no_block' | 'force'>): string {
  let s = 'systemctl';
  if (a.scope !== 'system') s += ` --${a.scope}`;
  if (a.no_block) s += ' --no-block';
  if (a.force) s += ' --force';
  return s;
}

/**
 * `foo` and `foo.service` name the same unit (systemctl appends .service): one fact key for
 * both, so a later task that names the unit the other way sees an earlier task's predicted
 * state (stop `foo.service`, then `state: stopped` on `foo` is ok, as in Ansible).
 */
const unitKey = (unit: string) => (unit.endsWith('.service') && unit.length > '.service'.length ? unit.slice(0, -'.service'.length) : unit);
const showKey = (unit: string, scope: string) => `systemd.show:${scope}:${unitKey(unit)}`;
const enabledKey = (unit: string, scope: string) => `systemd.is-enabled:${scope}:${unitKey(unit)}`;

function facts(a: SystemdArgs): FactRequest[] {
  if (a.name === undefined) return [];
  const sc = a.scope === 'system' ? 'systemctl' : `systemctl --${a.scope}`;
  const u = shellQuote(a.name);
  const show = showKey(a.name, a.scope);
  // Like Ansible: `is-enabled` is read for enabled/masked, and otherwise only as the fallback
  // when `show` fails or its request is ignored ("ignoring request", e.g. in a chroot).
  const needEnabled = a.enabled !== undefined || a.masked !== undefined;
  return [
    { kind: 'command', key: show, command: `${sc} show --property=LoadState,ActiveState,LoadError -- ${u}` },
    {
      kind: 'command',
      key: enabledKey(a.name, a.scope),
      command: `${sc} is-enabled -- ${u}`,
      ...(needEnabled ? {} : { onlyIf: { key: show, failedOrPrinted: 'ignoring' } }),
    },
    // Only whether it exists (a SysV script): never its mode or owner.
    { kind: 'file', path: `/etc/init.d/${a.name}`, contentOnly: true },
  ];
}

/** ansible systemd.py parse_systemctl_show (only single-line values are requested). */
export function parseSystemctlShow(out: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i < 0) continue;
    parsed[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return parsed;
}

const VALID_ENABLED = new Set(['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'masked', 'masked-runtime', 'static', 'indirect', 'disabled', 'generated', 'transient']);

function requestWasIgnored(out: string): boolean {
  return !out.includes('=') && (out.includes('ignoring request') || out.includes('ignoring command'));
}

function planSystemd(a: SystemdArgs, ctx: PlanContext): ModulePlan {
  const sc = systemctl(a);
  const ops: Op[] = [];
  const result: Record<string, unknown> = { name: a.name ?? null, changed: false, status: {} };
  const notes: string[] = [];
  let changed = false;
  let factUpdates: Record<string, CommandResult> | undefined;
  if (a.daemon_reload) {
    ops.push({ op: 'exec', command: `${sc} daemon-reload` });
    notes.push('daemon-reload');
  }
  if (a.daemon_reexec) {
    ops.push({ op: 'exec', command: `${sc} daemon-reexec` });
    notes.push('daemon-reexec');
  }
  if (a.name !== undefined) {
    const unit = a.name;
    const u = shellQuote(unit);
    const show: CommandResult = ctx.command(showKey(unit, a.scope));
    // Read only where Ansible reads it (enabled/masked, or show's fallback): it may not have
    // been gathered otherwise (FactRequest.onlyIf).
    const isEnabled = (): CommandResult => ctx.command(enabledKey(unit, a.scope));
    const initd = ctx.file(`/etc/init.d/${unit}`).exists;
    let status: Record<string, string> = {};
    let isSystemd = false;
    if (show.rc === 0 && !(requestWasIgnored(show.stdout) || requestWasIgnored(show.stderr))) {
      status = parseSystemctlShow(show.stdout);
      isSystemd = 'LoadState' in status && status.LoadState !== 'not-found';
      const masked = status.LoadState === 'masked';
      if (isSystemd && !masked && status.LoadError) {
        const err = status.LoadError;
        return failed(`Error loading unit file '${unit}': ${err}`, { status });
      }
    } else if (VALID_ENABLED.has(isEnabled().stdout.trim())) {
      isSystemd = true;
    }
    result.status = status;
    const found = isSystemd || initd;
    // predicted post-state, for later tasks of the same run
    const post = { ...status };
    // Set only when this task changes what is-enabled prints (mask/unmask, enable/disable).
    let postEnabled: CommandResult | undefined;
    // A unit file written earlier in this run only becomes visible after daemon-reload.
    const predicted = !found && a.daemon_reload;
    const missing = () => failed(`Could not find the requested service ${unit}: host`);

    // What `systemctl is-enabled` prints at this point of the task: Ansible reads it again
    // for `enabled` after masking/unmasking (a masked unit prints "masked", rc 1: not enabled).
    let enabledNow: CommandResult | undefined;
    let maskedHere = false;
    if (a.masked !== undefined) {
      const masked = isEnabled().stdout.trim() === 'masked';
      if (masked !== a.masked || predicted) {
        changed = true;
        ops.push({ op: 'exec', command: `${sc} ${a.masked ? 'mask' : 'unmask'} -- ${u}` });
        notes.push(a.masked ? 'mask' : 'unmask');
        post.LoadState = a.masked ? 'masked' : 'loaded';
        // After unmask the unit's own enablement shows again; not knowable here: assume disabled.
        postEnabled = a.masked ? { rc: 1, stdout: 'masked\n', stderr: '' } : { rc: 1, stdout: 'disabled\n', stderr: '' };
        enabledNow = postEnabled;
        maskedHere = a.masked;
      }
    }
    if (a.enabled !== undefined) {
      if (!found && !predicted) return missing();
      const now = enabledNow ?? isEnabled();
      const lines = now.stdout.split('\n').filter((l, i, arr) => !(i === arr.length - 1 && l === ''));
      let enabled = now.rc === 0;
      if (enabled && lines.length === 1 && (lines[0] === 'indirect' || lines[0] === 'alias')) enabled = false;
      // A unit still to be installed (daemon_reload): plan the action, decided at apply — unless
      // this task just masked it (then is-enabled says "masked" whatever the unit file holds).
      if (predicted && !maskedHere) enabled = !a.enabled;
      result.enabled = enabled;
      if (enabled !== a.enabled) {
        changed = true;
        const action = a.enabled ? 'enable' : 'disable';
        ops.push({ op: 'exec', command: `${sc} ${action} -- ${u}` });
        notes.push(action);
        result.enabled = !enabled;
        postEnabled = a.enabled ? { rc: 0, stdout: 'enabled\n', stderr: '' } : { rc: 1, stdout: 'disabled\n', stderr: '' };
      }
    }
    if (a.state !== undefined) {
      if (!found && !predicted) return missing();
      result.state = a.state;
      const active = status.ActiveState;
      if (active !== undefined || predicted) {
        const running = active === 'active' || active === 'activating';
        let action: string | undefined;
        if (a.state === 'started') {
          if (!running) action = 'start';
        } else if (a.state === 'stopped') {
          if (running || active === 'deactivating') action = 'stop';
        } else {
          action = running ? a.state.slice(0, -2) : 'start';
          result.state = 'started';
        }
        if (action) {
          changed = true;
          ops.push({ op: 'exec', command: `${sc} ${action} -- ${u}` });
          // Not in Ansible: a simple unit that dies at once fails the task (unitSettle.ts).
          // With no_block the job is only queued: nothing to watch yet.
          if ((action === 'start' || action === 'restart') && !a.no_block) ops.push({ op: 'exec', command: settleCommand(sc, unit) });
          notes.push(action);
          post.ActiveState = action === 'stop' ? 'inactive' : 'active';
        }
      } else {
        return failed('Service is in unknown state', { status });
      }
    }
    if (predicted) post.LoadState = post.LoadState && post.LoadState !== 'not-found' ? post.LoadState : 'loaded';
    if (predicted && post.ActiveState === undefined) post.ActiveState = 'inactive';
    if (changed || predicted) {
      const stdout = Object.entries(post)
        .map(([k, v]) => `${k}=${v}\n`)
        .join('');
      factUpdates = { [showKey(unit, a.scope)]: { rc: 0, stdout, stderr: '' }, ...(postEnabled ? { [enabledKey(unit, a.scope)]: postEnabled } : {}) };
    }
  }
  result.changed = changed;
  const runtimeOutcome = ops.length > 0;
  if (!changed) {
    const msg = ops.length ? `${notes.join(', ')} (not a change in Ansible's terms)` : `${a.name} already in the requested state`;
    return { status: 'ok', msg, ops, diffs: [], runtimeOutcome, result, ...(factUpdates ? { factUpdates } : {}) };
  }
  return { status: 'changed', msg: `${notes.join(', ')} ${a.name ?? ''}`.trim(), ops, diffs: [], runtimeOutcome, result, ...(factUpdates ? { factUpdates } : {}) };
}

export const systemdModule: ModuleDef<SystemdArgs> = defineModule<SystemdArgs>({
  name: 'systemd',
  aliases: ['ansible.builtin.systemd', 'ansible.legacy.systemd', 'systemd_service', 'ansible.builtin.systemd_service', 'ansible.legacy.systemd_service'],
  args: systemdArgs,
  supportsCheck: true,
  supportsDiff: false,
  reversible: false,
  facts,
  plan: planSystemd,
});

function toSystemd(a: ServiceArgs): SystemdArgs {
  return { name: a.name, state: a.state, enabled: a.enabled, daemon_reload: false, daemon_reexec: false, scope: 'system', no_block: false };
}

export const serviceModule: ModuleDef<ServiceArgs> = defineModule<ServiceArgs>({
  name: 'service',
  aliases: ['ansible.builtin.service', 'ansible.legacy.service'],
  args: serviceArgs,
  supportsCheck: true,
  supportsDiff: false,
  reversible: false,
  facts: (a) => facts(toSystemd(a)),
  plan: (a, ctx) => planSystemd(toSystemd(a), ctx),
});
