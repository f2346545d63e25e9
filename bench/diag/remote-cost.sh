#!/usr/bin/env bash
# Diagnostic (not the benchmark): how much of crane-fix's apply time is the work its remote
# script does on the nodes, how much of that is its safety work, how much is crane-fix itself,
# and what the least any tool could do costs. Times, alternating within each round, on a
# running lab (fresh node state before every run that changes them):
#   floor                       ssh2: connect + `uname -n` (the benchmark's floor)
#   floor x3                    ssh2: connect + 3 commands in turn
#   replay                      ssh2: connect + crane-fix's own session script, captured for
#                               every host from a real apply and each sent whole to its host
#                               (no crane-fix code, no waiting between its steps)
#   replay, no fsync            the same without the two `sync`s (strip-script.mjs nofsync)
#   replay, no fsync/lock/guard also without `flock` and the guard `sha256sum` (… min)
#   bare effects                bare-effects.sh: two temp+rename writes, daemon-reload, restart,
#                               is-active — no reads at all; the least any tool must do
#   crane-fix apply             the real thing, started as the benchmark starts it (dist/bin/crane-fix)
# Every replay must print its last step's success marker (floor.js --expect), so a replay
# that stopped early cannot look cheap.
# Usage (root, after `npm run build`; lab nodes only — the replays write node files):
#   node dist/cli/main.js lab up --nodes 50 --subnet 10 --no-disks --dir /tmp/crane-fix-bench/diag-lab
#   bash bench/diag/remote-cost.sh /tmp/crane-fix-bench/diag-lab [rounds]
#   node dist/cli/main.js lab down --dir /tmp/crane-fix-bench/diag-lab
set -euo pipefail
cd "$(dirname "$0")/../.."
L=${1:?lab dir}; R=${2:-5}
N=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$L/lab.json','utf8')).nodes.length)")
W=$(mktemp -d /tmp/crane-fix-bench-diag.XXXXXX); trap 'rm -rf "$W"' EXIT
reset() { node --input-type=module -e "
import {readLabState} from '$PWD/dist/lab/lab.js';
import {resetNodes} from '$PWD/dist/bench/nodes.js';
await resetNodes((await readLabState('$L')).nodes);"; }
ARGS=(apply -i "$L/nodes.ini" bench/playbooks/bench.yaml -e dns_cluster_ip=10.9.0.10 --forks "$N" --yes --json)
T() { local what=$1; shift; /usr/bin/time -f "%e %U %S" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { echo "$what failed:" >&2; cat "$W/err" >&2; exit 1; }
  read -r e u s <"$W/t"; c=$(awk -v u="$u" -v s="$s" -v n="$N" 'BEGIN{print (u+s)*1000/n}'); echo "$what|$e|$c" >>"$W/all"
  printf '%-30s %6.2f s   client cpu %5.1f ms/host\n' "$what" "$e" "$c"; }
# Capture every host's session script from a real apply (one session carries every step; the
# lab's nodes differ, so do their scripts: each replays its own).
reset
CAPTURE_DIR="$W/cap" node --import ./bench/diag/capture-scripts.mjs dist/cli/main.js "${ARGS[@]}" --journal-dir "$W/j0" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
[ "$(ls "$W/cap" | wc -l)" = "$N" ] || { echo "expected one session script per host, captured: $(ls "$W/cap" | wc -l)" >&2; exit 1; }
[ -z "$(ls "$W/cap" | grep -v -- '-1\.sh$')" ] || { echo "a host used more than one session: $(ls "$W/cap" | grep -v -- '-1\.sh$')" >&2; exit 1; }
LAST=$(for f in "$W"/cap/*.sh; do grep -o '@@CF step [0-9]* done' "$f" | tail -n 1; done | sort -u | sed 's/ done$//')
[ "$(echo "$LAST" | wc -l)" = 1 ] && [ -n "$LAST" ] || { echo "the hosts' scripts do not end alike: $LAST" >&2; exit 1; }
node bench/diag/strip-script.mjs "$W/cap" "$W/nofsync" nofsync
node bench/diag/strip-script.mjs "$W/cap" "$W/min" min
EXP=(--expect "$LAST rc 0" --script-dir)
echo "captured $N session scripts ($(cat "$W"/cap/*.sh | wc -c) bytes) from crane-fix apply; $N nodes; $R rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$R"); do
  T "floor" node dist/bench/floor.js "$L"
  T "floor x3" node dist/bench/floor.js "$L" --sessions 3
  reset; T "replay" node dist/bench/floor.js "$L" "${EXP[@]}" "$W/cap"
  reset; T "replay, no fsync" node dist/bench/floor.js "$L" "${EXP[@]}" "$W/nofsync"
  reset; T "replay, no fsync/lock/guard" node dist/bench/floor.js "$L" "${EXP[@]}" "$W/min"
  reset; T "bare effects" node dist/bench/floor.js "$L" --expect active --script bench/diag/bare-effects.sh
  reset; T "crane-fix apply" dist/bin/crane-fix "${ARGS[@]}" --journal-dir "$W/j$r"
done
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| what | median s | min–max s | × floor | client CPU ms/host |"
echo "| --- | ---: | ---: | ---: | ---: |"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("|"));
const by = new Map();
for (const [w, e, c] of rows) { if (!by.has(w)) by.set(w, []); by.get(w).push([+e, +c]); }
const med = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const floor = med(by.get("floor").map((x) => x[0]));
for (const [w, v] of by) {
  const e = v.map((x) => x[0]);
  console.log(`| ${w} | ${med(e).toFixed(2)} | ${Math.min(...e).toFixed(2)}–${Math.max(...e).toFixed(2)} | ${(med(e) / floor).toFixed(2)} | ${med(v.map((x) => x[1])).toFixed(1)} |`);
}' "$W/all"
