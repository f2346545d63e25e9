/**
 * Wordings of ingressgateway-no-destination, istio-init-prune, jenkins-403-calico-bgp (helper 18B), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import type { OtherFailure, SourceCase } from './log-formats.js';

export const MESH_CASES: SourceCase[] = [];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const MESH_OTHER_FAILURES: OtherFailure[] = [];
