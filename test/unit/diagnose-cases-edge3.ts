/**
 * Wordings of hostname-lowercase and ctl-path (helper 18A), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import type { OtherFailure, SourceCase } from './log-formats.js';

export const EDGE3_CASES: SourceCase[] = [];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const EDGE3_OTHER_FAILURES: OtherFailure[] = [];
