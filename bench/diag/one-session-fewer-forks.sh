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
MP=' '; while read -r _ _ _ _ mp _; do MP="$MP$mp "; done </proc/self/mountinfo
# guards: one sha256sum for every file this script writes
sha256sum -- /etc/systemd/system/kubelet.service.d/10-kubelet.conf /var/lib/kubelet/config.yaml >"$T/h" 2>/dev/null
cur() { c=absent; while read -r x f; do [ "$f" = "$1" ] && c=$x; done <"$T/h"; }

p=/etc/systemd/system/kubelet.service.d/10-kubelet.conf; d=${p%/*}
cur "$p"; [ "$c" = 9c8a8cc832c7e6cfd2a67f64db115bcc344636a4e4a3605e398741d42055519a ] || { echo "@@CF op 0 guard $c"; exit 3; }
t0="$d/.crane-fix.$$.0"; (umask 077; set -C; : > "$t0") || { echo "@@CF op 0 error mktemp"; exit 4; }
base64 -d > "$t0" <<'CRANE_FIX_B64' || { rm -f "$t0"; echo "@@CF op 0 error write"; exit 4; }
IyBOb3RlOiBUaGlzIGRyb3BpbiBvbmx5IHdvcmtzIHdpdGgga3ViZWFkbSBhbmQga3ViZWxldCB2
MS4xMSsKW1NlcnZpY2VdCkVudmlyb25tZW50PSJLVUJFTEVUX0tVQkVDT05GSUdfQVJHUz0tLWJv
b3RzdHJhcC1rdWJlY29uZmlnPS9ldGMva3ViZXJuZXRlcy9ib290c3RyYXAta3ViZWxldC5jb25m
IC0ta3ViZWNvbmZpZz0vZXRjL2t1YmVybmV0ZXMva3ViZWxldC5jb25mIgpFbnZpcm9ubWVudD0i
S1VCRUxFVF9DT05GSUdfQVJHUz0tLWNvbmZpZz0vdmFyL2xpYi9rdWJlbGV0L2NvbmZpZy55YW1s
IgpFbnZpcm9ubWVudD0iS1VCRUxFVF9ETlNfQVJHUz0tLWNsdXN0ZXItZG5zPTEwLjkuMC4xMCAt
LWNsdXN0ZXItZG9tYWluPWNsdXN0ZXIubG9jYWwiCkVudmlyb25tZW50PSJLVUJFTEVUX0VYVFJB
X0FSR1M9LS1ub2RlLWxhYmVscz1ub2RlLmt1YmVybmV0ZXMuaW8vY3JhbmU9dHJ1ZSIKRXhlY1N0
YXJ0PQpFeGVjU3RhcnQ9L3Vzci9sb2NhbC9iaW4va3ViZWxldCAkS1VCRUxFVF9LVUJFQ09ORklH
X0FSR1MgJEtVQkVMRVRfQ09ORklHX0FSR1MgJEtVQkVMRVRfRE5TX0FSR1MgJEtVQkVMRVRfRVhU
UkFfQVJHUwo=
CRANE_FIX_B64
p=/var/lib/kubelet/config.yaml; d=${p%/*}
cur "$p"; [ "$c" = 934414608814157512880757a6981481ebba54a986e7e0f9e59091af9a0bf683 ] || { echo "@@CF op 1 guard $c"; exit 3; }
t1="$d/.crane-fix.$$.1"; (umask 077; set -C; : > "$t1") || { echo "@@CF op 1 error mktemp"; exit 4; }
base64 -d > "$t1" <<'CRANE_FIX_B64' || { rm -f "$t1"; echo "@@CF op 1 error write"; exit 4; }
IyBrdWJlbGV0IGNvbmZpZ3VyYXRpb24gd3JpdHRlbiBieSBDcmFuZQphcGlWZXJzaW9uOiBrdWJl
bGV0LmNvbmZpZy5rOHMuaW8vdjFiZXRhMQpraW5kOiBLdWJlbGV0Q29uZmlndXJhdGlvbgphdXRo
ZW50aWNhdGlvbjoKICBhbm9ueW1vdXM6CiAgICBlbmFibGVkOiBmYWxzZQogIHdlYmhvb2s6CiAg
ICBjYWNoZVRUTDogMHMKICAgIGVuYWJsZWQ6IHRydWUKY2dyb3VwRHJpdmVyOiBzeXN0ZW1kCmNs
dXN0ZXJETlM6Ci0gMTAuOS4wLjEwICAjIENvcmVETlMgc2VydmljZSBDbHVzdGVySVAKY2x1c3Rl
ckRvbWFpbjogY2x1c3Rlci5sb2NhbApyb3RhdGVDZXJ0aWZpY2F0ZXM6IHRydWUKc3RhdGljUG9k
UGF0aDogL2V0Yy9rdWJlcm5ldGVzL21hbmlmZXN0cwo=
CRANE_FIX_B64
chmod 0644 "$t0" "$t1" && chown 0:0 "$t0" "$t1" && sync -- "$t0" "$t1" || { rm -f "$t0" "$t1"; echo "@@CF op 0 error attrs"; exit 4; }
p=/etc/systemd/system/kubelet.service.d/10-kubelet.conf; d=${p%/*}
case "$MP" in *" $p "*) cat "$t0" > "$p" && rm -f "$t0" && echo "@@CF op 0 inplace" || exit 4;;
  *) mv -f "$t0" "$p" || { rm -f "$t0"; echo "@@CF op 0 error rename"; exit 4; }; echo "@@CF op 0 ok";; esac
p=/var/lib/kubelet/config.yaml; d=${p%/*}
case "$MP" in *" $p "*) cat "$t1" > "$p" && rm -f "$t1" && echo "@@CF op 1 inplace" || exit 4;;
  *) mv -f "$t1" "$p" || { rm -f "$t1"; echo "@@CF op 1 error rename"; exit 4; }; echo "@@CF op 1 ok";; esac
sync -- /etc/systemd/system/kubelet.service.d /var/lib/kubelet 2>/dev/null
( systemctl daemon-reload
) </dev/null >"$T/o" 2>"$T/e"; rc=$?
echo "@@CF op 2 exec $rc"; base64 -w0 "$T/o"; echo; base64 -w0 "$T/e"; echo
[ $rc -eq 0 ] || exit 5
( systemctl restart -- kubelet
) </dev/null >"$T/o" 2>"$T/e"; rc=$?
echo "@@CF op 3 exec $rc"; base64 -w0 "$T/o"; echo; base64 -w0 "$T/e"; echo
[ $rc -eq 0 ] || exit 5
# verify in the same session, retried on the host (retries 5, delay 2)
n=0; while :; do
  ( systemctl is-active kubelet
  ) </dev/null >"$T/o" 2>"$T/e"; rc=$?
  [ $rc -eq 0 ] || [ $n -ge 5 ] && break; n=$((n+1)); sleep 2
done
echo "@@CF verify 0 exec $rc"; base64 -w0 "$T/o"; echo; base64 -w0 "$T/e"; echo
echo "@@CF end"
