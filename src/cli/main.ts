#!/usr/bin/env node
/** The CLI entry point (bundled as dist/bin/crane-fix.js): the only caller of runCli. */
import { COMMANDS } from './commands.js';
import { runCli } from './program.js';

runCli(COMMANDS);
