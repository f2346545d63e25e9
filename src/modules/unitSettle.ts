/**
 * After crane-fix starts or restarts a unit: does it stay running? (issue 19 part 5)
 *
 * For a Type=simple (or exec, idle) unit, systemd's start job is done as soon as the process
 * is forked, so `systemctl restart` exits 0 even when the program dies at once — kubeadm's
 * kubelet.service (Type=simple, Restart=always) with a broken config restarts it forever, and
 * `is-active` says "activating" between tries and "active" for the moment each try lives.
 * Ansible's systemd module checks only the restart's exit code (systemd_service.py: "Unable to
 * %s service %s"), so a play reports ok; crane-fix watches the unit for SETTLE_SECONDS and
 * fails the task when it leaves active/running, or systemd restarted it (NRestarts grew; it is
 * not reset by a manual restart) or its main process changed. Other types (notify, forking,
 * oneshot…) are skipped without waiting: their start job already waits until they are up.
 *
 * The check reads `systemctl show` only; against a systemctl that does not print Type (the
 * lab's stand-in) it does nothing.
 */
import { shellQuote } from './shellQuote.js';

/** How long a freshly (re)started simple unit must stay up. Real kubelets die within ~1 s of a bad config. */
export const SETTLE_SECONDS = 2;
const STEP_SECONDS = 0.5;
const PROPS = ['Type', 'ActiveState', 'SubState', 'NRestarts', 'MainPID', 'Result', 'ExecMainStatus'];

/** The shell command (one exec op) that runs right after `<systemctl> start|restart -- <unit>`. */
export function settleCommand(systemctl: string, unit: string): string {
  const u = shellQuote(unit);
  // eval only sees NAME=[A-Za-z0-9-]* lines that sed kept: nothing from the unit can run.
  const read = `eval "$(${systemctl} show --property=${PROPS.join(',')} -- "$u" 2>/dev/null | sed -n -E 's/^(${PROPS.join('|')})=([A-Za-z0-9-]*)$/\\1=\\2/p')"`;
  const now = PROPS.slice(1).map((p) => `${p}=$${p}`).join(' ');
  const steps = Math.round(SETTLE_SECONDS / STEP_SECONDS);
  return [
    `u=${u}; Type=; ${read}`,
    'case "$Type" in simple|exec|idle) ;; *) exit 0 ;; esac',
    'n0=$NRestarts; p0=$MainPID; i=0',
    `while :; do`,
    '  if [ "$ActiveState" != active ] || [ "$SubState" != running ] || [ "$NRestarts" != "$n0" ] || [ "$MainPID" != "$p0" ]; then',
    `    echo "$u did not stay running after it was started: systemctl exited 0, but ${now} after $i x ${STEP_SECONDS}s (right after the start: NRestarts=$n0 MainPID=$p0). A Type=$Type unit counts as started as soon as its process is forked; this one did not stay up. See journalctl -u $u" >&2`,
    '    exit 1',
    '  fi',
    `  [ $i -lt ${steps} ] || exit 0`,
    `  sleep ${STEP_SECONDS}; i=$((i + 1)); ${read}`,
    'done',
  ].join('\n');
}
