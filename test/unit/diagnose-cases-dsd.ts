/**
 * Wordings of docker-storage-driver, xfs-ftype, docker-load-import (helper 18E), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import type { OtherFailure, SourceCase } from './log-formats.js';

export const DSD_CASES: SourceCase[] = [];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const DSD_OTHER_FAILURES: OtherFailure[] = [];
