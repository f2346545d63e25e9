#!/usr/bin/env bash
# Diagnostic (not the benchmark): how much of crane-fix's time is the work its remote scripts
# do on the nodes, and how much is crane-fix itself. Times, on a running lab:
#   floor                      ssh2: connect + `uname -n`
#   floor x3                   ssh2: connect + 3 commands in turn
#   floor + crane scripts      ssh2: connect + crane-fix's own gather, apply and verify scripts
#                              (captured from a real run), no crane-fix code at all
#   floor + fewer-fork scripts the same protocol output from hand-written scripts with fewer
#                              processes, verify folded into the apply session (2 sessions)
#   floor + ..., 1 session     the same two scripts sent over one session (the gather shell
#                              already waits on stdin holding the host lock)
#   crane-fix apply
# Usage (root, after `npm run build`):
#   node dist/cli/main.js lab up --nodes 50 --subnet 10 --no-disks --dir /tmp/crane-fix-bench/diag-lab
#   bash bench/diag/remote-cost.sh /tmp/crane-fix-bench/diag-lab [rounds]
#   node dist/cli/main.js lab down --dir /tmp/crane-fix-bench/diag-lab
set -euo pipefail
cd "$(dirname "$0")/../.."
L=${1:?lab dir}; R=${2:-3}
N=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$L/lab.json','utf8')).nodes.length)")
W=$(mktemp -d /tmp/crane-fix-bench-diag.XXXXXX); trap 'rm -rf "$W"' EXIT
reset() { node --input-type=module -e "
import {readLabState} from '$PWD/dist/lab/lab.js';
import {resetNodes} from '$PWD/dist/bench/nodes.js';
await resetNodes((await readLabState('$L')).nodes);"; }
CRANE=(dist/cli/main.js apply -i "$L/nodes.ini" bench/playbooks/bench.yaml -e dns_cluster_ip=10.9.0.10 --forks "$N" --yes --json)
T() { local what=$1; shift; /usr/bin/time -f "%e %U %S" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  read -r e u s <"$W/t"; printf '%-34s %6.2f s   client cpu %5.1f ms/host\n' "$what" "$e" "$(awk -v u="$u" -v s="$s" -v n="$N" 'BEGIN{print (u+s)*1000/n}')"; }
# Capture the scripts of one host from a real apply.
reset
CAPTURE_DIR="$W/cap" CAPTURE_HOST=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$L/lab.json','utf8')).nodes[0].ip)") \
  node --import ./bench/diag/capture-scripts.mjs "${CRANE[@]}" --journal-dir "$W/j0" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
# The one-session script is the gather script followed by the apply-verify script without its
# 4-line prologue (umask, LC_ALL, temp dir, trap), which the gather part has already run.
D=bench/diag
[ "$(head -n 4 $D/gather-fewer-forks.sh)" = "$(head -n 4 $D/apply-verify-fewer-forks.sh)" ] || { echo "$D: the two fewer-fork scripts no longer start alike" >&2; exit 1; }
ONE="$W/one-session-fewer-forks.sh"
{ cat $D/gather-fewer-forks.sh; tail -n +5 $D/apply-verify-fewer-forks.sh; } >"$ONE"
ls "$W/cap" | sort -n | sed "s|^|$W/cap/|" >"$W/list"; mapfile -t S <"$W/list"
echo "captured ${#S[@]} scripts from crane-fix apply; $N nodes; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$R"); do
  T "floor" node dist/bench/floor.js "$L"
  T "floor x3" node dist/bench/floor.js "$L" --sessions 3
  reset; T "floor + crane scripts (${#S[@]} sessions)" node dist/bench/floor.js "$L" --script "${S[@]}"
  reset; T "floor + fewer-fork scripts (2)" node dist/bench/floor.js "$L" --script bench/diag/gather-fewer-forks.sh bench/diag/apply-verify-fewer-forks.sh
  reset; T "floor + fewer-fork scripts, 1 session" node dist/bench/floor.js "$L" --script "$ONE"
  reset; T "crane-fix apply" node "${CRANE[@]}" --journal-dir "$W/j$r"
done
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg)"
