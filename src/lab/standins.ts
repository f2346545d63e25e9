/**
 * Recording stand-ins for what does not run on a plain lab node: systemd is not its PID 1
 * (only on the `systemd` variant, src/lab/systemdNode.ts), so `systemctl` is a small script that keeps unit state under the node's own /var and logs
 * every call to /var/log/crane-lab/systemctl.log, which tests read to prove what ran.
 *
 * Fault hook: a file /var/lib/crane-lab/fail-start/<unit> makes start/restart of that unit
 * fail (as a kubelet with a broken config would), so verify gates and rollback get exercised.
 * If the file holds "PATTERN FILE", the unit fails only while FILE contains PATTERN.
 *
 * It fails the way systemd 252's systemctl does (its messages and exit codes), because crane-fix
 * and Ansible read both: a unit is known when the stand-in has state for it or a unit file exists;
 * an unknown one gives "Unit x.service not found." (start/restart/stop: exit 5), "could not be
 * found" (status: exit 4), LoadState=not-found (show); is-active prints the state (active,
 * inactive, failed, activating: the state file's word) and exits 0 only for active, else 3;
 * is-failed exits 1 unless failed. A unit file or drop-in newer than the last daemon-reload
 * (the stamp units/.daemon-reload, made at boot) gives systemd's "changed on disk" warning.
 */
export const SYSTEMCTL_STANDIN = `#!/bin/sh
# crane-fix lab stand-in for systemctl (systemd is not PID 1 in the lab).
state=/var/lib/crane-lab/units
log=/var/log/crane-lab/systemctl.log
# Builtins only where it can (no date, cat, mkdir per call): a real systemctl is one
# process, and the benchmark counts what the node does. The log's first field is the pid.
[ -d "$state" ] || mkdir -p "$state" /var/log/crane-lab
printf '%s systemctl %s\\n' "$$" "$*" >> "$log"
props=
# Accept and drop global flags Ansible and users pass.
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pager|--no-block|--quiet|-q|--system|--no-ask-password|--plain|--full|-l) shift ;;
    # show prints only the asked properties, as systemctl does (props: ",A,B").
    --property=*) props="$props,\${1#--property=}"; shift ;;
    -p|--property) props="$props,$2"; shift 2 ;;
    --type=*|--state=*) shift ;;
    -t|--type) shift 2 ;;
    *) break ;;
  esac
done
cmd="$1"; [ $# -gt 0 ] && shift
# Drop option-like args after the verb (Ansible passes e.g. 'start -- kubelet', 'show --no-pager').
# Unit names never start with '-': every such arg is an option we accept and ignore.
for a in "$@"; do shift; case "$a" in --property=*) props="$props,\${a#--property=}" ;; -*) ;; *) set -- "$@" "$a" ;; esac; done
# Sets $n (no command substitution: that would fork).
unit_name() { case "$1" in *.*) n=$1 ;; *) n=$1.service ;; esac; }
# Sets $v to the first line of file $1, or to $2 if it does not exist.
val() { v=$2; [ -f "$1" ] && read -r v < "$1"; :; }
# A unit exists for systemd when it has a unit file; the stand-in's own state counts too
# (its seeded kubelet/docker/containerd have no unit file in the lab).
known() {
  [ -e "$state/$n.active" ] || [ -e "$state/$n.enabled" ] || [ -e "/etc/systemd/system/$n" ] ||
    [ -e "/lib/systemd/system/$n" ] || [ -e "/usr/lib/systemd/system/$n" ]
}
# systemd warns (stderr) when a unit file or drop-in changed after the last daemon-reload.
stale() {
  r=$state/.daemon-reload; [ -e "$r" ] || return 0
  for f in /etc/systemd/system/$n /etc/systemd/system/$n.d/*.conf /lib/systemd/system/$n /run/systemd/system/$n.d/*.conf; do
    if [ -e "$f" ] && [ "$f" -nt "$r" ]; then
      echo "Warning: The unit file, source configuration file or drop-ins of $n changed on disk. Run 'systemctl daemon-reload' to reload units." >&2
      return 0
    fi
  done
}
case "$cmd" in
  daemon-reload|daemon-reexec) : > "$state/.daemon-reload"; exit 0 ;;
  start|restart|reload|try-restart|reload-or-restart)
    rc=0
    for u in "$@"; do
      unit_name "$u"
      if ! known; then echo "Failed to $cmd $n: Unit $n not found." >&2; rc=5; continue; fi
      stale
      f=/var/lib/crane-lab/fail-start/$n; [ -e "$f" ] || f=/var/lib/crane-lab/fail-start/$u
      fail=0
      if [ -e "$f" ]; then
        # An empty fault file always fails; "PATTERN FILE" fails only while FILE matches
        # PATTERN (a config change that breaks the unit — what verify gates are for).
        read -r pat file < "$f" || true
        if [ -z "$pat" ] || grep -q -- "$pat" "$file" 2>/dev/null; then fail=1; fi
      fi
      if [ $fail = 1 ]; then
        echo failed > "$state/$n.active"
        echo "Job for $n failed because the control process exited with error code." >&2
        echo "See \\"systemctl status $n\\" and \\"journalctl -xeu $n\\" for details." >&2
        [ $rc = 0 ] && rc=1
      else
        echo active > "$state/$n.active"
      fi
    done
    exit $rc ;;
  stop)
    rc=0
    for u in "$@"; do
      unit_name "$u"
      if ! known; then echo "Failed to stop $n: Unit $n not loaded." >&2; rc=5; continue; fi
      echo inactive > "$state/$n.active"
    done
    exit $rc ;;
  enable|disable)
    rc=0
    for u in "$@"; do
      unit_name "$u"
      if ! known; then echo "Failed to $cmd unit: Unit file $n does not exist." >&2; rc=1; continue; fi
      echo "$cmd"d > "$state/$n.enabled"
    done
    exit $rc ;;
  # systemd prints "inactive" for a unit it does not know, and exits 3 for every state but active.
  is-active)
    rc=3
    for u in "$@"; do unit_name "$u"; val "$state/$n.active" inactive; echo "$v"; [ "$v" = active ] && rc=0; done
    exit $rc ;;
  is-enabled)
    unit_name "$1"
    if ! known; then echo "Failed to get unit file state for $n: No such file or directory" >&2; exit 1; fi
    val "$state/$n.enabled" disabled; echo "$v"; [ "$v" = enabled ] ;;
  is-failed)
    rc=1
    for u in "$@"; do unit_name "$u"; val "$state/$n.active" inactive; echo "$v"; [ "$v" = failed ] && rc=0; done
    exit $rc ;;
  show)
    # One property line, if asked for (or when no --property was given).
    p() { case ",$props," in ,,|*",$1,"*) printf '%s=%s\\n' "$1" "$2" ;; esac; }
    unit_name "$1"; val "$state/$n.active" inactive; a=$v; val "$state/$n.enabled" disabled; e=$v
    if ! known; then
      p Id "$n"; p Names "$n"; p LoadState not-found; p ActiveState inactive; p SubState dead; p UnitFileState ''
      p LoadError "org.freedesktop.systemd1.NoSuchUnit \\"Unit $n not found.\\""
      exit 0
    fi
    case "$a" in active) sub=running ;; activating) sub=start ;; failed) sub=failed ;; *) sub=dead ;; esac
    p Id "$n"; p Names "$n"; p Description "$n (crane-fix lab stand-in)"; p LoadState loaded; p ActiveState "$a"
    p SubState "$sub"; p UnitFileState "$e"; p FragmentPath "/lib/systemd/system/$n"
    exit 0 ;;
  status)
    unit_name "$1"
    if ! known; then echo "Unit $n could not be found." >&2; exit 4; fi
    stale; val "$state/$n.active" inactive; a=$v
    echo "* $n - crane-fix lab stand-in"; echo "   Active: $a"; [ "$a" = active ] || exit 3 ;;
  list-unit-files)
    for f in "$state"/*.enabled; do [ -e "$f" ] || continue; b=$(basename "$f" .enabled); echo "$b $(cat "$f")"; done; exit 0 ;;
  *) echo "crane-fix lab systemctl stand-in: unsupported command '$cmd'" >&2; exit 1 ;;
esac
`;

/** Units that start active+enabled on every node. */
export const STANDIN_UNITS = ['kubelet.service', 'docker.service', 'containerd.service'];

/**
 * docker cannot run in the lab (no daemon, no cgroup delegation): a recording stand-in that
 * answers the few calls fixes make (`system prune`, `info`) and logs them.
 */
export const DOCKER_STANDIN = `#!/bin/sh
# crane-fix lab stand-in for docker (no docker daemon in the lab).
mkdir -p /var/log/crane-lab
printf '%s docker %s\\n' "$(date +%s.%N)" "$*" >> /var/log/crane-lab/docker.log
case "$1 $2" in
  "system prune"|"container prune"|"image prune") echo "Total reclaimed space: 0B" ;;
  "info "*|"info") echo "Storage Driver: overlay2" ;;
  *) echo "crane-fix lab docker stand-in: $*" ;;
esac
`;
