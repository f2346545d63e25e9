#!/bin/sh
# The /bin/sh matrix (issue 19 part 2): test/integration/shells.test.ts once per shell, each
# run on its own lab, so a failure names exactly one shell. `npm test` covers dash and busybox
# only. This script covers every shell the lab can give a node.
#
#   scripts/shell-matrix.sh                      # dash bash busybox mksh posh
#   CRANE_FIX_SHELLS="mksh posh" scripts/shell-matrix.sh
#   SKIP_BUILD=1 scripts/shell-matrix.sh         # dist/ is already built
#
# For each shell the admin node's login shell is the same shell. busybox is the exception
# (dash then), because busybox cannot be a login shell by its own path.
# Needs root (the lab). Exit 1 if any shell failed; its vitest output is printed.
set -eu
cd "$(dirname "$0")/.."
SHELLS=${CRANE_FIX_SHELLS:-dash bash busybox mksh posh}
[ "${SKIP_BUILD:-}" = 1 ] || npm run -s build
logs=$(mktemp -d "${TMPDIR:-/tmp}/crane-fix-shell-matrix.XXXXXX")
trap 'rm -rf "$logs"' EXIT
failed=
printf '%-8s %-11s %-6s %s\n' '/bin/sh' 'login shell' result seconds
for s in $SHELLS; do
  login=$s
  [ "$s" = busybox ] && login=dash
  t0=$(date +%s)
  if CRANE_FIX_SHELLS=$s CRANE_FIX_LOGIN_SHELL=$login npx vitest run test/integration/shells.test.ts >"$logs/$s" 2>&1; then
    r=pass
    # A suite that skipped (no root, a shell missing) is not a pass.
    grep -q 'SKIPPED' "$logs/$s" && r=SKIP && failed="$failed $s"
  else
    r=FAIL
    failed="$failed $s"
  fi
  printf '%-8s %-11s %-6s %s\n' "$s" "$login" "$r" "$(($(date +%s) - t0))"
done
for s in $failed; do
  printf '\n--- %s ---\n' "$s"
  tail -n 40 "$logs/$s"
done
[ -z "$failed" ]
