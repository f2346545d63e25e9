// Diagnostic (not the benchmark): a captured crane-fix session script (capture-scripts.mjs)
// with some of its safety work taken out, to price that work on the nodes (remote-cost.sh).
// Never run the result anywhere but on lab nodes: it writes files without a lock or guard.
//
//   node bench/diag/strip-script.mjs <capture-dir> <out-dir> nofsync|min
// (every *.sh of <capture-dir>, edited, to the same name in <out-dir>)
//
//   nofsync  no `sync` of the temp files before the rename, nor of their folders after it
//   min      nofsync, and no host lock (`flock`) and no guard hash (`sha256sum` of the targets
//            and temp files): what is left is the gather, the keep-mode `stat`, the writes and
//            renames, the handler's unit read and its commands, the verify
//
// Every edit must match in every script that writes a file (one with a `mv`), so a change to
// the script format fails here instead of quietly pricing an unchanged script.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const [from, to, what] = process.argv.slice(2);
if (!from || !to || !['nofsync', 'min'].includes(what ?? '')) {
  process.stderr.write('usage: strip-script.mjs <capture-dir> <out-dir> nofsync|min\n');
  process.exit(1);
}
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from).filter((f) => f.endsWith('.sh'))) {
  const file = path.join(from, name);
  let s = readFileSync(file, 'utf8');
  const writes = /^if mv -f -- /m.test(s);
  const edit = (what, re, by) => {
    const next = s.replace(re, by);
    if (next === s && writes) {
      process.stderr.write(`strip-script: '${what}' matched nothing in ${file} (script format changed?)\n`);
      process.exit(1);
    }
    s = next;
  };
  // ` && sync -- "$N0" "$N1"` before the `||` of the attrs line; the folders' sync line.
  edit('temp-file sync', / && sync --(?: "\$N\d+")+(?= \|\|)/g, '');
  edit('folder sync', /^sync -- .* 2>\/dev\/null$/gm, ':');
  if (what === 'min') {
    edit('flock', /^(\s*)flock -n -x 9 \|\|/gm, '$1: ||');
    edit('guard hash', /^H=\$\(sha256sum .*\n/gm, '');
    edit('guard split', /^set -f; IFS=\$NL; set -- \$H; .*\n/gm, '');
    edit('guard checks', /^h=\$\{1%% \*\}; .*\n/gm, '');
  }
  writeFileSync(path.join(to, name), s);
}
