/**
 * Recording stand-ins for what cannot run in the lab: systemd is not PID 1 here, so
 * `systemctl` is a small script that keeps unit state under the node's own /var and logs
 * every call to /var/log/crane-lab/systemctl.log, which tests read to prove what ran.
 *
 * Fault hook: a file /var/lib/crane-lab/fail-start/<unit> makes start/restart of that unit
 * fail (as a kubelet with a broken config would), so verify gates and rollback get exercised.
 * If the file holds "PATTERN FILE", the unit fails only while FILE contains PATTERN.
 */
export const SYSTEMCTL_STANDIN = `#!/bin/sh
# crane-fix lab stand-in for systemctl (systemd is not PID 1 in the lab).
state=/var/lib/crane-lab/units
log=/var/log/crane-lab/systemctl.log
# Builtins only where it can (no date, cat, mkdir per call): a real systemctl is one
# process, and the benchmark counts what the node does. The log's first field is the pid.
[ -d "$state" ] || mkdir -p "$state" /var/log/crane-lab
printf '%s systemctl %s\\n' "$$" "$*" >> "$log"
# Accept and drop global flags Ansible and users pass.
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pager|--no-block|--quiet|-q|--system|--no-ask-password|--plain|--full|-l) shift ;;
    --property=*|--type=*|--state=*) shift ;;
    -p|--property|-t|--type) shift 2 ;;
    *) break ;;
  esac
done
cmd="$1"; [ $# -gt 0 ] && shift
# Drop option-like args after the verb (Ansible passes e.g. 'start -- kubelet', 'show --no-pager').
# Unit names never start with '-': every such arg is an option we accept and ignore.
for a in "$@"; do shift; case "$a" in -*) ;; *) set -- "$@" "$a" ;; esac; done
# Sets $n (no command substitution: that would fork).
unit_name() { case "$1" in *.*) n=$1 ;; *) n=$1.service ;; esac; }
# Sets $v to the first line of file $1, or to $2 if it does not exist.
val() { v=$2; [ -f "$1" ] && read -r v < "$1"; :; }
active() { unit_name "$1"; val "$state/$n.active" inactive; [ "$v" = active ]; }
case "$cmd" in
  daemon-reload|daemon-reexec) exit 0 ;;
  start|restart|reload|try-restart|reload-or-restart)
    rc=0
    for u in "$@"; do
      unit_name "$u"
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
        rc=1
      else
        echo active > "$state/$n.active"
      fi
    done
    exit $rc ;;
  stop) for u in "$@"; do unit_name "$u"; echo inactive > "$state/$n.active"; done; exit 0 ;;
  enable) for u in "$@"; do unit_name "$u"; echo enabled > "$state/$n.enabled"; done; exit 0 ;;
  disable) for u in "$@"; do unit_name "$u"; echo disabled > "$state/$n.enabled"; done; exit 0 ;;
  is-active)
    unit_name "$1"; val "$state/$n.active" inactive; s=$v
    echo "$s"; [ "$s" = active ] ;;
  is-enabled)
    unit_name "$1"; val "$state/$n.enabled" disabled; s=$v
    echo "$s"; [ "$s" = enabled ] ;;
  is-failed)
    unit_name "$1"; val "$state/$n.active" inactive; s=$v
    echo "$s"; [ "$s" = failed ] ;;
  show)
    unit_name "$1"; val "$state/$n.active" inactive; a=$v; val "$state/$n.enabled" disabled; e=$v
    sub=dead; [ "$a" = active ] && sub=running
    printf 'Id=%s\\nNames=%s\\nDescription=%s (crane-fix lab stand-in)\\nLoadState=loaded\\nActiveState=%s\\nSubState=%s\\nUnitFileState=%s\\nFragmentPath=/lib/systemd/system/%s\\n' "$n" "$n" "$n" "$a" "$sub" "$e" "$n"
    exit 0 ;;
  status)
    unit_name "$1"; val "$state/$n.active" inactive; a=$v
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
