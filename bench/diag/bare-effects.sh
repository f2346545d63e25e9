# Diagnostic (not the benchmark; lab nodes only): the least ANY tool must make a node do for
# the bench playbook's change — write the two kubelet files (temp file + rename, the content
# already known: no read, no lock, no guard, no fsync, no mode kept), then daemon-reload,
# restart and the verify's is-active. resolv.conf is left alone (most lab nodes need no
# trimming). remote-cost.sh replays it with the floor's ssh2 client to show the lower bound
# of the apply's ratio to the floor on this machine.
W0=/etc/systemd/system/kubelet.service.d/10-kubelet.conf; N0=/etc/systemd/system/kubelet.service.d/.bare.tmp
W1=/var/lib/kubelet/config.yaml; N1=/var/lib/kubelet/.bare.tmp
printf '%s' '[Service]
Environment="KUBELET_DNS_ARGS=--cluster-dns=10.9.0.10 --cluster-domain=cluster.local"
' >"$N0" && mv -f -- "$N0" "$W0" || exit 1
printf '%s' 'clusterDNS:
- 10.9.0.10
' >"$N1" && mv -f -- "$N1" "$W1" || exit 1
systemctl daemon-reload || exit 1
systemctl restart kubelet || exit 1
systemctl is-active kubelet
