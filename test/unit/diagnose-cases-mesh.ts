/**
 * Wordings of ingressgateway-no-destination, istio-init-prune, jenkins-403-calico-bgp (helper 18B), third source round
 * (issue 18), one case per format string and release, each built from the printing program's format string; run by
 * diagnose-sources.test.ts.
 */
import { dmesg, fmt, journald, type OtherFailure, type SourceCase } from './log-formats.js';

const LINUX = 'https://github.com/torvalds/linux/blob';
// net/netfilter/ipvs/ip_vs_sched.c ip_vs_scheduler_err, pr_fmt "IPVS: " (read at this commit).
const IPVS_SCHED = `${LINUX}/0d6ef0688d8744454646298b85336407be05e309/net/netfilter/ipvs/ip_vs_sched.c`;
const NO_DEST = 'no destination available';

export const MESH_CASES: SourceCase[] = [
  // ingressgateway-no-destination
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: IPVS_SCHED, // IPv4 service: "%s: %s %pI4:%d - %s", as dmesg -T prints it
    line: dmesg(`IPVS: ${fmt('%s: %s %s:%d - %s', 'rr', 'TCP', '10.200.1.206', 44693, NO_DEST)}`, true),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: IPVS_SCHED, // IPv6 service: "%s: %s [%pI6c]:%d - %s", through journald's kernel transport
    line: journald('kernel', `IPVS: ${fmt('%s: %s [%s]:%d - %s', 'rr', 'TCP', 'fd00:10:96::a', 31380, NO_DEST)}`),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: IPVS_SCHED, // firewall-mark service: "%s: FWM %u 0x%08X - %s" (fmt has no %X: the mark written out)
    line: dmesg(`IPVS: ${fmt('%s: FWM %u 0x00001000 - %s', 'wrr', 4096, NO_DEST)}`),
  },
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const MESH_OTHER_FAILURES: OtherFailure[] = [];
