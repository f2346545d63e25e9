// Diagnostic preload (not part of the benchmark): records the remote scripts crane-fix sends
// to one host, so their cost on the nodes can be timed apart from crane-fix's own (see
// bench/README.md, "Where the time goes").
//
//   CAPTURE_DIR=/tmp/cap [CAPTURE_HOST=127.0.10.11] \
//     node --import ./bench/diag/capture-scripts.mjs dist/cli/main.js apply ...
//   node dist/bench/floor.js <lab-dir> --script-dir /tmp/cap
// Each exec channel's input goes to <dir>/<host>-<k>.sh (k counts that host's channels from 1);
// without CAPTURE_HOST every host's (the lab's nodes differ, so do their scripts).
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { Client } = createRequire(path.join(root, 'package.json'))('ssh2');
const dir = process.env.CAPTURE_DIR ?? '/tmp/crane-fix-capture';
const host = process.env.CAPTURE_HOST;
fs.mkdirSync(dir, { recursive: true });
const counts = new Map();
const exec = Client.prototype.exec;
Client.prototype.exec = function (command, ...rest) {
  const cb = rest[rest.length - 1];
  const h = this.config?.host;
  rest[rest.length - 1] = (err, stream) => {
    if (stream && (!host || h === host)) {
      const k = (counts.get(h) ?? 0) + 1;
      counts.set(h, k);
      const file = path.join(dir, `${h}-${k}.sh`);
      fs.writeFileSync(file, '');
      process.stderr.write(`capture: ${h} \`${command}\` -> ${file}\n`);
      for (const m of ['write', 'end']) {
        const orig = stream[m].bind(stream);
        stream[m] = (data, ...a) => {
          if (data !== undefined && typeof data !== 'function') fs.appendFileSync(file, data);
          return orig(data, ...a);
        };
      }
    }
    cb(err, stream);
  };
  return exec.call(this, command, ...rest);
};
