/**
 * The stay-running check after a start/restart (src/modules/unitSettle.ts), run by this
 * machine's /bin/sh against a fake systemctl that replays `systemctl show` answers in turn.
 * On real systemd: test/integration/systemdNode.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SETTLE_SECONDS, settleCommand } from '../../src/modules/unitSettle.js';

/** Runs the check with `systemctl` answering `shows[i]` to its i-th call (the last one after that). */
function settle(shows: string[], unit = 'kubelet', shell = ['/bin/sh']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-settle-'));
  try {
    shows.forEach((s, i) => fs.writeFileSync(path.join(dir, `show.${i}`), s));
    fs.writeFileSync(
      path.join(dir, 'systemctl'),
      `#!/bin/sh\necho "$*" >> "${dir}/argv"\nn=$(cat "${dir}/n" 2>/dev/null || echo 0)\n` +
        `[ -e "${dir}/show.$n" ] || n=${shows.length - 1}\ncat "${dir}/show.$n"; echo $((n + 1)) > "${dir}/n"\n`,
      { mode: 0o755 },
    );
    const t0 = Date.now();
    const r = spawnSync(shell[0]!, [...shell.slice(1), '-c', settleCommand(`${dir}/systemctl`, unit)], { encoding: 'utf8' });
    return { rc: r.status, stderr: r.stderr, seconds: (Date.now() - t0) / 1000, argv: fs.readFileSync(path.join(dir, 'argv'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const up = 'Type=simple\nActiveState=active\nSubState=running\nNRestarts=0\nMainPID=40\nResult=success\nExecMainStatus=0\n';

describe('stay-running check after a start/restart', () => {
  it('does not wait for a unit whose start job waits for it (notify), nor when show prints no Type (the lab stand-in)', () => {
    for (const show of ['Type=notify\nActiveState=active\n', 'ActiveState=active\nSubState=running\n']) {
      const r = settle([show]);
      expect(r.rc, r.stderr).toBe(0);
      expect(r.seconds).toBeLessThan(0.5);
    }
  });

  it(`passes a simple unit that stays active/running with one main process for ${SETTLE_SECONDS} s`, () => {
    const r = settle([up]);
    expect(r.rc, r.stderr).toBe(0);
    expect(r.seconds).toBeGreaterThanOrEqual(SETTLE_SECONDS);
    expect(r.argv.split('\n')[0]).toBe('show --property=Type,ActiveState,SubState,NRestarts,MainPID,Result,ExecMainStatus -- kubelet');
  }, 10_000);

  it('fails at once when the unit is already restarting, and when systemd restarted it meanwhile (active again, NRestarts grew)', () => {
    const looping = settle(['Type=simple\nActiveState=activating\nSubState=auto-restart\nNRestarts=0\nMainPID=0\nResult=exit-code\nExecMainStatus=1\n']);
    expect(looping.rc).toBe(1);
    expect(looping.seconds).toBeLessThan(0.5);
    expect(looping.stderr).toContain('kubelet did not stay running after it was started: systemctl exited 0, but ActiveState=activating SubState=auto-restart NRestarts=0 MainPID=0 Result=exit-code ExecMainStatus=1 after 0 x 0.5s');
    const restarted = settle([up, up.replace('NRestarts=0', 'NRestarts=1').replace('MainPID=40', 'MainPID=52')]);
    expect(restarted.rc).toBe(1);
    expect(restarted.stderr).toContain('ActiveState=active SubState=running NRestarts=1 MainPID=52');
    expect(restarted.stderr).toContain('(right after the start: NRestarts=0 MainPID=40)');
  }, 10_000);

  // The /bin/sh variants a node can have (src/lab/users.ts): the check runs in the node's shell.
  const shells: [string, string[]][] = [['dash', ['/usr/bin/dash']], ['bash', ['/usr/bin/bash']], ['busybox', ['/usr/bin/busybox', 'sh']], ['mksh', ['/usr/bin/mksh']], ['posh', ['/usr/bin/posh']]];
  for (const [name, argv] of shells) {
    it.skipIf(!fs.existsSync(argv[0]!))(`works in ${name}: skips a notify unit, fails one that restarts after 0.5 s`, () => {
      expect(settle(['Type=notify\n'], 'kubelet', argv).rc).toBe(0);
      const bad = settle([up, up.replace('SubState=running', 'SubState=auto-restart').replace('ActiveState=active', 'ActiveState=activating')], 'kubelet', argv);
      expect(bad.rc, bad.stderr).toBe(1);
      expect(bad.stderr).toContain('ActiveState=activating SubState=auto-restart NRestarts=0 MainPID=40 Result=success ExecMainStatus=0 after 1 x 0.5s');
    }, 10_000);
  }

  it('passes the unit name as one quoted word; show output cannot run code', () => {
    const r = settle([`Type=simple\nActiveState=$(touch /tmp/cf-settle-pwned)\n`], "we'ird$x");
    expect(r.argv.trim()).toMatch(/ -- we'ird\$x$/);
    expect(r.rc).toBe(1);
    expect(fs.existsSync('/tmp/cf-settle-pwned')).toBe(false);
  });
});
