#!/usr/bin/env bash
# Installs the OS packages the lab and tests need, when missing: openssh-server (sshd per
# lab node), xfsprogs (XFS data disks), util-linux/mount (unshare, nsenter, losetup),
# iproute2. Ansible (ansible-core) is only needed for the parity suites and benchmark and is
# installed when CRANE_FIX_WITH_ANSIBLE=1 (CI). CRANE_FIX_WITH_ANSIBLE=full installs Debian's
# `ansible` package instead, whose ansible.posix collection the parity suite's sysctl cases need
# (they skip with the reason without it); it is big (19,600 files, ~75 s to unpack), so CI does not.
set -euo pipefail
need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v mkfs.xfs >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.xfs ] || [ -x /sbin/mkfs.xfs ] || need+=(xfsprogs)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v losetup >/dev/null 2>&1 || [ -x /usr/sbin/losetup ] || [ -x /sbin/losetup ] || need+=(mount)
# Issue 19's node variants: the real sudo package, and the /bin/sh each variant can have.
[ -x /usr/bin/sudo ] || need+=(sudo)
for sh in busybox mksh posh; do [ -x /usr/bin/$sh ] || [ -x /bin/$sh ] || need+=($sh); done
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
case "${CRANE_FIX_WITH_ANSIBLE:-0}" in
  1) command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core) ;;
  full) [ -d /usr/lib/python3/dist-packages/ansible_collections/ansible/posix ] || need+=(ansible) ;;
esac
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "crane-fix setup: missing OS packages: ${need[*]}" >&2
  echo "  install them as root (apt-get install ${need[*]}); the lab and its tests need them." >&2
  echo "  continuing: unit tests run, lab tests will be skipped with this reason." >&2
  exit 0
fi
echo "crane-fix setup: installing ${need[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The package may try to start a system sshd on 0.0.0.0:22, which would take the lab's
# 127.0.0.X:22 addresses. This machine has no systemd, so nothing starts; say so if it did.
if pgrep -x sshd >/dev/null 2>&1 && ss -ltn 2>/dev/null | grep -q '0.0.0.0:22 '; then
  echo "crane-fix setup: warning: a system sshd listens on 0.0.0.0:22; lab nodes need 127.0.0.X:22" >&2
fi
