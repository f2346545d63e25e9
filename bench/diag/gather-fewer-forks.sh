umask 022
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/.crane-fix.XXXXXX") || exit 90
trap 'rm -rf "$T"' EXIT
L=/run/lock; [ -d "$L" ] || L=/var/lock; [ -d "$L" ] || L=/tmp
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$L/crane-fix.lock"
  if ! flock -n -x 9; then
    flock -w 30 -x 9 || { echo "@@CF locked $(cat "$L/crane-fix.owner" 2>/dev/null)"; exit 6; }
  fi
  printf '%s\n' 20261127T040539Z-1bf7e9 > "$L/crane-fix.owner"
else echo "@@CF nolock"; fi
# mount points: one builtin read loop, no fork
MP=' '; while read -r _ _ _ _ mp _; do MP="$MP$mp "; done </proc/self/mountinfo
# one stat and one sha256sum for every file
set -- /etc/systemd/system/kubelet.service.d/10-kubelet.conf /var/lib/kubelet/config.yaml /etc/resolv.conf /etc/init.d/kubelet
stat -c '%F|%a|%u|%g|%U|%G|%s|%n' -- "$@" >"$T/s" 2>/dev/null
sha256sum -- "$@" >"$T/h" 2>/dev/null
i=0
for p; do
  s=; h=-
  while IFS= read -r l; do case "$l" in *"|$p") s=${l%|*};; esac; done <"$T/s"
  while read -r x f; do [ "$f" = "$p" ] && h=$x; done <"$T/h"
  if [ -n "$s" ]; then
    m=0; case "$MP" in *" $p "*) m=1;; esac
    echo "@@CF file $i $s|$m"
    sz=${s##*|}
    if [ "${s%%|*}" = "regular file" ] && [ "$sz" -le 4194304 ] && [ "$h" != - ]; then echo "$h"; base64 -w0 -- "$p"; echo; else echo -; echo -; fi
  else echo "@@CF file $i absent"; fi
  i=$((i+1))
done
( systemctl show --property=LoadState,ActiveState,LoadError -- kubelet
) </dev/null >"$T/o" 2>"$T/e"; rc=$?
echo "@@CF cmd 0 $rc"; base64 -w0 "$T/o"; echo; base64 -w0 "$T/e"; echo
( systemctl is-enabled -- kubelet
) </dev/null >"$T/o" 2>"$T/e"; rc=$?
echo "@@CF cmd 1 $rc"; base64 -w0 "$T/o"; echo; base64 -w0 "$T/e"; echo
echo "@@CF end"
