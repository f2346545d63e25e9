/**
 * Wordings printed by container runtimes and the kernel, second source round (issue 18, helper 18v): docker/containerd/cri-o storage and image import, runc/crun/youki, XFS/overlay, one case per format string and release; run by diagnose-sources.test.ts.
 */
import type { SourceCase } from './log-formats.js';

export const RUNTIME2_CASES: SourceCase[] = [];
