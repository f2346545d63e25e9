/**
 * Reading the text diagnose is given: bounded, and refusing what is not a log, so a wrong file or
 * a huge paste gets a clear answer at once instead of a long match or a crash.
 */
import * as fs from 'node:fs';
import { InputError } from '../errors.js';

export const MAX_LOG_BYTES = 4 * 1024 * 1024;
export const MAX_LOG_LINES = 100_000;

export interface LogInput {
  text: string;
  /** Said to the user on stderr (e.g. bytes that were not UTF-8). */
  warnings: string[];
}

/** Checks a buffer already read; `where` names it in errors ("--log" or a file). */
export function decodeLog(buf: Buffer, flag = '--log'): LogInput {
  const nul = buf.indexOf(0);
  if (nul !== -1) throw new InputError(`this is binary data (a NUL byte at offset ${nul}), not a log; pass the text, e.g. journalctl -u kubelet --no-pager`, { flag });
  const warnings: string[] = [];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    // Logs from a GBK/Latin-1 locale still carry their error text in ASCII: keep going.
    text = new TextDecoder('utf-8').decode(buf);
    warnings.push('the input is not valid UTF-8; undecodable bytes were replaced (U+FFFD)');
  }
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (++lines > MAX_LOG_LINES) throw new InputError(`more than ${MAX_LOG_LINES} lines; pass the part around the problem (e.g. journalctl -u kubelet --since "-1h")`, { flag });
  }
  if (text.trim() === '') warnings.push('the input is empty');
  return { text, warnings };
}

/** Reads a file or stdin ('-'), never more than MAX_LOG_BYTES + 1 bytes. */
export function readLogInput(source: string, flag = '--log'): LogInput {
  let fd: number;
  try {
    fd = source === '-' ? 0 : fs.openSync(source, 'r');
  } catch (err) {
    throw new InputError(`cannot read: ${(err as Error).message}`, { flag });
  }
  try {
    const buf = Buffer.alloc(MAX_LOG_BYTES + 1);
    let n = 0;
    for (;;) {
      let got: number;
      try {
        got = fs.readSync(fd, buf, n, buf.length - n, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((err as NodeJS.ErrnoException).code === 'EOF') break;
        throw new InputError(`cannot read: ${(err as Error).message}`, { flag });
      }
      if (got === 0) break;
      n += got;
      if (n > MAX_LOG_BYTES) throw new InputError(`more than ${MAX_LOG_BYTES / 1024 / 1024} MB; pass the part around the problem (e.g. journalctl -u kubelet --since "-1h")`, { flag });
    }
    return decodeLog(buf.subarray(0, n), flag);
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}
