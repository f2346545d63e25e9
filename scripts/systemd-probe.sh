#!/bin/sh
# Boots the real systemd 252 as PID 1 of its own PID + mount namespace (issue 19 part 5) with
# only crane-lab's units visible (kubelet = `sleep infinity`, a failing oneshot, a crash-looping
# simple unit), runs the systemctl calls whose failures crane-fix must report, prints each
# call's exit code, stdout and stderr, and takes the namespace down. The lab's systemctl
# stand-in (src/lab/standins.ts) is checked against this output (docs/nodes.md).
# The host's own unit directories are hidden by bind mounts inside the namespace only, so no
# host service is started; `container=` makes systemd behave as in a container. systemd runs in
# its own cgroup (and cgroup namespace, with cgroup2 mounted on its /sys/fs/cgroup), removed at
# the end: without that it made init.scope and system.slice/* at this machine's cgroup root.
# Its log goes nowhere: /dev/console is /dev/null inside (systemd.log holds only boot.sh errors).
# Needs root. Usage: scripts/systemd-probe.sh [workdir]
set -eu
D=${1:-/tmp/crane-fix-19b-sdprobe}
CG=/sys/fs/cgroup/unified/crane-lab/$(printf %s "$D" | tr -c 'A-Za-z0-9_.-' _)
rm -rf "$D"; mkdir -p "$D/units" "$D/etc" "$CG"
for t in sysinit basic shutdown sockets timers paths slices; do printf '[Unit]\nDescription=%s\n' "$t" > "$D/units/$t.target"; done
printf '[Unit]\nDescription=crane lab\nWants=kubelet.service\n' > "$D/units/crane-lab.target"
printf '[Service]\nExecStart=/bin/sleep infinity\n' > "$D/units/kubelet.service"
printf '[Service]\nType=oneshot\nExecStart=/bin/false\n' > "$D/units/bad-oneshot.service"
# A kubelet with a broken config: kubeadm's kubelet.service is Type=simple with Restart=always.
printf "[Service]\nExecStart=/bin/sh -c 'sleep 1; exit 1'\nRestart=always\nRestartSec=2\n" > "$D/units/bad-simple.service"
cat > "$D/boot.sh" <<EOF
#!/bin/sh
set -e
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Kernel-wide settings, the console and the VTs are this machine's (src/lab/systemdNode.ts):
# systemd would raise fs.file-max, write to /dev/console and KDSIGACCEPT on /dev/tty0.
mount --rbind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
mount --bind /dev/null /dev/console && mount --bind /dev/null /dev/tty0
mount --bind $D/units /usr/lib/systemd/system
mount --bind $D/etc /etc/systemd/system
mount --bind $D/etc /usr/lib/systemd/system-generators
export container=crane-lab
exec /lib/systemd/systemd --log-target=console --log-level=warning --unit=crane-lab.target
EOF
chmod +x "$D/boot.sh"
# --kill-child: killing unshare alone would leave systemd (PID 1 of the namespace) running.
sh -c 'echo $$ > "$1/cgroup.procs" && exec unshare --pid --mount --cgroup --fork --mount-proc --kill-child "$2/boot.sh"' sh "$CG" "$D" > "$D/systemd.log" 2>&1 &
U=$!
rmcg() { for _ in 1 2 3 4 5 6 7 8 9 10; do find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null; [ -d "$CG" ] || break; sleep 0.2; done; rmdir /sys/fs/cgroup/unified/crane-lab 2>/dev/null; }
trap 'rc=$?; set +e; kill "$U" 2>/dev/null; [ -n "${P:-}" ] && kill -9 "$P" 2>/dev/null; wait "$U" 2>/dev/null; rmcg; rm -rf "$D"; exit $rc' EXIT
P=
for _ in 1 2 3 4 5 6 7 8 9 10; do
  sleep 0.5
  P=$(ps -o pid= --ppid "$U" | tr -d ' ')
  [ -n "$P" ] && nsenter -t "$P" -p -m systemctl is-system-running >/dev/null 2>&1 && break
done
[ -n "$P" ] || { echo "systemd did not start:"; cat "$D/systemd.log"; exit 1; }
run() {
  out=$(nsenter -t "$P" -p -m "$@" 2>"$D/err") && rc=0 || rc=$?
  printf '$ %s\n  rc=%s stdout=%s stderr=%s\n' "$*" "$rc" "$(printf %s "$out" | tr '\n' '|')" "$(tr '\n' '|' < "$D/err")"
}
run systemctl is-active kubelet
run systemctl restart nosuch
run systemctl stop nosuch
run systemctl status nosuch
run systemctl is-active nosuch
run systemctl is-enabled nosuch
run systemctl show --property=LoadState,ActiveState,LoadError nosuch
run systemctl restart bad-oneshot
run systemctl is-active bad-oneshot
run systemctl is-failed bad-oneshot
run systemctl is-failed kubelet
run systemctl restart bad-simple
sleep 1.5
run systemctl is-active bad-simple
printf '[Service]\nEnvironment=A=1\n' > "$D/units/kubelet.service.d.conf"
mkdir -p "$D/units/kubelet.service.d" && mv "$D/units/kubelet.service.d.conf" "$D/units/kubelet.service.d/10.conf"
run systemctl daemon-reload
sleep 1; printf '[Service]\nEnvironment=A=2\n' > "$D/units/kubelet.service.d/10.conf"
run systemctl restart kubelet
run systemctl daemon-reload
run systemctl restart kubelet
run systemctl is-active kubelet
