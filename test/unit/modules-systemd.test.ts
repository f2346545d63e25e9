import { describe, expect, it } from 'vitest';
import { serviceModule, systemdModule } from '../../src/modules/systemd.js';
import { run } from './modules-helpers.js';

function facts(unit: string, active: string, enabled: string, enabledRc: number, load = 'loaded') {
  return {
    commands: {
      [`systemd.show:system:${unit}`]: { rc: 0, stdout: `LoadState=${load}\nActiveState=${active}\n` },
      [`systemd.is-enabled:system:${unit}`]: { rc: enabledRc, stdout: enabled + '\n' },
    },
  };
}

/** The ops' commands; the stay-running check after a start/restart (unitSettle.ts) reads `settle <unit>`. */
const cmds = (plan: { ops: unknown[] }) =>
  plan.ops.map((o) => (o as { command: string }).command).map((c) => (c.startsWith('u=') ? `settle ${/^u=(\S+);/.exec(c)![1]}` : c));

describe('systemd', () => {
  it('declares read-only facts with the unit name quoted', () => {
    const { facts: f } = run(systemdModule, { name: "we'ird", state: 'started' }, {}, facts("we'ird", 'active', 'enabled', 0));
    expect(f).toEqual([
      { kind: 'command', key: "systemd.show:system:we'ird", command: `systemctl show --property=LoadState,ActiveState,LoadError -- 'we'"'"'ird'` },
      // Without enabled/masked, is-enabled is only show's fallback (Ansible reads it only then).
      {
        kind: 'command',
        key: "systemd.is-enabled:system:we'ird",
        command: `systemctl is-enabled -- 'we'"'"'ird'`,
        onlyIf: { key: "systemd.show:system:we'ird", failedOrPrinted: 'ignoring' },
      },
      { kind: 'file', path: "/etc/init.d/we'ird", contentOnly: true },
    ]);
    const withEnabled = run(systemdModule, { name: 'kubelet', enabled: true }, {}, facts('kubelet', 'active', 'enabled', 0)).facts;
    expect(withEnabled.find((x) => x.kind === 'command' && x.key.startsWith('systemd.is-enabled'))).not.toHaveProperty('onlyIf');
  });

  it('plans restart/start/stop without the is-enabled fact when show answers', () => {
    // The helper throws "test did not provide command fact" if a planner reads a fact it lacks.
    const f = { commands: { 'systemd.show:system:kubelet': facts('kubelet', 'active', 'enabled', 0).commands['systemd.show:system:kubelet'] } };
    expect(run(systemdModule, { name: 'kubelet', state: 'restarted', daemon_reload: true }, {}, f).plan).toMatchObject({ status: 'changed' });
    expect(run(systemdModule, { name: 'kubelet', state: 'started' }, {}, f).plan).toMatchObject({ status: 'ok' });
  });

  it('started / stopped are changes only when needed', () => {
    expect(run(systemdModule, { name: 'kubelet', state: 'started' }, {}, facts('kubelet', 'active', 'enabled', 0)).plan).toMatchObject({ status: 'ok', ops: [] });
    expect(cmds(run(systemdModule, { name: 'kubelet', state: 'started' }, {}, facts('kubelet', 'failed', 'enabled', 0)).plan)).toEqual(['systemctl start -- kubelet', 'settle kubelet']);
    expect(cmds(run(systemdModule, { name: 'kubelet', state: 'stopped' }, {}, facts('kubelet', 'deactivating', 'enabled', 0)).plan)).toEqual(['systemctl stop -- kubelet']);
    expect(run(systemdModule, { name: 'kubelet', state: 'stopped' }, {}, facts('kubelet', 'inactive', 'enabled', 0)).plan.status).toBe('ok');
  });

  it('restarted/reloaded always change; a stopped unit is started instead', () => {
    const r = run(systemdModule, { name: 'kubelet', state: 'restarted' }, {}, facts('kubelet', 'active', 'enabled', 0)).plan;
    expect(r).toMatchObject({ status: 'changed', runtimeOutcome: true, result: { state: 'started', changed: true } });
    expect(cmds(r)).toEqual(['systemctl restart -- kubelet', 'settle kubelet']);
    expect(cmds(run(systemdModule, { name: 'kubelet', state: 'reloaded' }, {}, facts('kubelet', 'inactive', 'enabled', 0)).plan)).toEqual(['systemctl start -- kubelet', 'settle kubelet']);
  });

  it('enabled follows is-enabled rc, treating a lone "indirect"/"alias" as disabled', () => {
    expect(run(systemdModule, { name: 'k', enabled: true }, {}, facts('k', 'active', 'enabled', 0)).plan.status).toBe('ok');
    expect(cmds(run(systemdModule, { name: 'k', enabled: true }, {}, facts('k', 'active', 'disabled', 1)).plan)).toEqual(['systemctl enable -- k']);
    expect(cmds(run(systemdModule, { name: 'k', enabled: true }, {}, facts('k', 'active', 'indirect', 0)).plan)).toEqual(['systemctl enable -- k']);
    expect(cmds(run(systemdModule, { name: 'k', enabled: false }, {}, facts('k', 'active', 'static', 0)).plan)).toEqual(['systemctl disable -- k']);
  });

  it('masked: true with enabled: false masks and does not disable (is-enabled says "masked" after mask, as Ansible reads it)', () => {
    const p = run(systemdModule, { name: 'k', masked: true, enabled: false }, {}, facts('k', 'active', 'enabled', 0)).plan;
    expect(cmds(p)).toEqual(['systemctl mask -- k']);
    expect(p).toMatchObject({ status: 'changed', result: { enabled: false } });
    expect(p.factUpdates?.['systemd.is-enabled:system:k']).toEqual({ rc: 1, stdout: 'masked\n', stderr: '' });
    // a later masked task sees the unit masked: nothing to do
    const later = run(systemdModule, { name: 'k', masked: true }, {}, { commands: { 'systemd.show:system:k': p.factUpdates!['systemd.show:system:k']!, 'systemd.is-enabled:system:k': p.factUpdates!['systemd.is-enabled:system:k']! } }).plan;
    expect(later).toMatchObject({ status: 'ok', ops: [] });
    // also for a unit only daemon_reload will make appear
    const ghost = run(systemdModule, { name: 'g', masked: true, enabled: false, daemon_reload: true }, {}, facts('g', 'inactive', '', 1, 'not-found')).plan;
    expect(cmds(ghost)).toEqual(['systemctl daemon-reload', 'systemctl mask -- g']);
  });

  it('daemon_reload runs first but is not a change (Ansible reports ok)', () => {
    const p = run(systemdModule, { daemon_reload: true }, {}).plan;
    expect(p).toMatchObject({ status: 'ok', result: { changed: false } });
    expect(cmds(p)).toEqual(['systemctl daemon-reload']);
    const q = run(systemdModule, { name: 'k', state: 'started', enabled: true, masked: false, daemon_reload: true }, {}, facts('k', 'inactive', 'masked', 1, 'masked')).plan;
    expect(cmds(q)).toEqual(['systemctl daemon-reload', 'systemctl unmask -- k', 'systemctl enable -- k', 'systemctl start -- k', 'settle k']);
  });

  it('a unit that does not exist fails like Ansible, unless daemon_reload may make it appear', () => {
    const missing = facts('ghost', 'inactive', '', 1, 'not-found');
    expect(run(systemdModule, { name: 'ghost', state: 'started' }, {}, missing).plan).toMatchObject({ status: 'failed', msg: 'Could not find the requested service ghost: host' });
    const p = run(systemdModule, { name: 'ghost', state: 'started', enabled: true, daemon_reload: true }, {}, missing).plan;
    expect(p.status).toBe('changed');
    expect(cmds(p)).toEqual(['systemctl daemon-reload', 'systemctl enable -- ghost', 'systemctl start -- ghost', 'settle ghost']);
    expect(run(systemdModule, { name: 'old', state: 'started' }, { '/etc/init.d/old': '#!/bin/sh' }, facts('old', 'inactive', '', 1, 'not-found')).plan.status).toBe('changed');
  });

  it('scope, no_block, force flags; a load error fails', () => {
    const p = run(systemdModule, { name: 'u', state: 'restarted', scope: 'user', no_block: true, force: true }, {}, {
      commands: { 'systemd.show:user:u': { stdout: 'LoadState=loaded\nActiveState=active\n' }, 'systemd.is-enabled:user:u': { stdout: 'enabled\n' } },
    }).plan;
    expect(cmds(p)).toEqual(['systemctl --user --no-block --force restart -- u']);
    const bad = { commands: { 'systemd.show:system:x': { stdout: 'LoadState=error\nActiveState=inactive\nLoadError=org.freedesktop.systemd1.BadUnitSetting "bad"\n' }, 'systemd.is-enabled:system:x': { stdout: '' } } };
    expect(run(systemdModule, { name: 'x', state: 'started' }, {}, bad).plan.msg).toBe(`Error loading unit file 'x': org.freedesktop.systemd1.BadUnitSetting "bad"`);
  });

  it('argument rules', () => {
    const ok = (a: object) => systemdModule.args.safeParse(a).success;
    expect(ok({ name: 'k' })).toBe(false);
    expect(ok({ state: 'started' })).toBe(false);
    expect(ok({ name: 'k*', state: 'started' })).toBe(false);
    expect(ok({ name: 'k', state: 'running' })).toBe(false);
    expect(ok({ unit: 'k', state: 'started', 'daemon-reload': 'yes' })).toBe(true);
  });
});

describe('factUpdates: later tasks of the same run see the unit as the earlier ops leave it', () => {
  it('stop docker, then start docker, plans both (the xfs-ftype catalogue flow)', () => {
    const f = facts('docker', 'active', 'enabled', 0);
    const stop = run(systemdModule, { name: 'docker', state: 'stopped' }, {}, f).plan;
    expect(cmds(stop)).toEqual(['systemctl stop -- docker']);
    expect(stop.factUpdates!['systemd.show:system:docker']!.stdout).toBe('LoadState=loaded\nActiveState=inactive\n');
    const after = { commands: { ...f.commands, ...stop.factUpdates } };
    expect(cmds(run(systemdModule, { name: 'docker', state: 'started' }, {}, after).plan)).toEqual(['systemctl start -- docker', 'settle docker']);
    // without the updates the second task would wrongly be a no-op
    expect(run(systemdModule, { name: 'docker', state: 'started' }, {}, f).plan.ops).toEqual([]);
  });

  it('enable/disable/mask update is-enabled; no change means no updates', () => {
    const p = run(systemdModule, { name: 'k', enabled: false }, {}, facts('k', 'active', 'enabled', 0)).plan;
    expect(p.factUpdates!['systemd.is-enabled:system:k']).toEqual({ rc: 1, stdout: 'disabled\n', stderr: '' });
    expect(run(systemdModule, { name: 'k', enabled: false }, {}, { commands: { ...facts('k', 'active', 'enabled', 0).commands, ...p.factUpdates } }).plan.status).toBe('ok');
    expect(run(systemdModule, { name: 'k', state: 'started' }, {}, facts('k', 'active', 'enabled', 0)).plan.factUpdates).toBeUndefined();
  });
});

describe('service (systemd host)', () => {
  it('maps to systemd semantics and ignores sysv-only options', () => {
    const p = run(serviceModule, { name: 'containerd', state: 'restarted', pattern: 'x', sleep: 3 }, {}, facts('containerd', 'active', 'enabled', 0)).plan;
    expect(cmds(p)).toEqual(['systemctl restart -- containerd', 'settle containerd']);
    expect(serviceModule.args.safeParse({ name: 'x', daemon_reload: true, state: 'started' }).success).toBe(false);
    expect(serviceModule.args.safeParse({ name: 'x' }).success).toBe(false);
  });
});
