#!/usr/bin/env node
/**
 * The CLI entry point of the plain bundle (dist/bin/crane-fix.js) — with snapshot.ts, the only
 * place that calls process.exit.
 */
import { main } from './program.js';

// Which start-up ran (the benchmark records it; tests assert it).
if (process.env.CRANE_FIX_STARTUP_INFO) process.stderr.write('crane-fix: started from the plain bundle\n');

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`crane-fix: ${String(err)}\n`);
    process.exit(70);
  },
);
