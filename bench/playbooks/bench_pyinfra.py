# pyinfra (3.x) twin of bench/playbooks/bench.yaml (issue 21 benchmark): the same change as
# bench.ansible.yaml — the new cluster DNS IP in both kubelet files, nameserver lines after the
# third removed, kubelet restarted (with daemon-reload) only where a kubelet file changed, and
# the verify (is-active) only where something changed and never in --dry.
# Run: pyinfra -y --parallel N --data dns_cluster_ip=10.9.0.10 <inventory.py> bench_pyinfra.py
# NOTE: written for pyinfra 3 from its documentation; it could not be run where it was written
# (pyinfra is not installable there: see bench/README.md).
import re

from pyinfra import host
from pyinfra.facts.files import FindInFile
from pyinfra.operations import files, server, systemd
from pyinfra.operations.util import any_changed

OLD = "10.96.0.10"
NEW = host.data.get("dns_cluster_ip")
assert NEW and re.match(r"^[0-9]{1,3}([.][0-9]{1,3}){3}$", NEW) and NEW != OLD, (
    "set dns_cluster_ip to the new CoreDNS ClusterIP, e.g. --data dns_cluster_ip=10.9.0.10"
)
OLD_RE = r"\b" + re.escape(OLD) + r"\b"

dropin = files.replace(
    name="kubelet drop-in passes the new --cluster-dns",
    path="/etc/systemd/system/kubelet.service.d/10-kubelet.conf",
    text=OLD_RE,
    replace=NEW,
)
config = files.replace(
    name="kubelet config.yaml lists the new clusterDNS",
    path="/var/lib/kubelet/config.yaml",
    text=OLD_RE,
    replace=NEW,
)

changed = [dropin, config]
# Nameserver lines after the third: one removal per extra line (pyinfra has no `after:`).
for line in (host.get_fact(FindInFile, path="/etc/resolv.conf", pattern=r"^nameserver\s") or [])[3:]:
    changed.append(
        files.line(
            name=f"remove extra nameserver line {line}",
            path="/etc/resolv.conf",
            line="^" + re.escape(line) + "$",
            present=False,
        )
    )

systemd.service(
    name="restart kubelet",
    service="kubelet",
    restarted=True,
    daemon_reload=True,
    _if=any_changed(dropin, config),
)
server.shell(
    name="kubelet is active after the restart (crane-fix's verify gate)",
    commands=["systemctl is-active kubelet"],
    _if=any_changed(*changed),
)
