/**
 * Reads an input file (inventory, vars file, `-e @file`, playbook, schedule) defensively: every
 * way it can be unusable becomes an InputError naming the file, before any parser sees it. The
 * size cap is checked on the open descriptor so a huge file is never read into memory. One
 * reader for every input file, so they all refuse the same things the same way.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from './errors.js';

export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

export interface ReadInputOptions {
  /** What the file is, for the error ("playbook" → "playbook not found"); default "file". */
  what?: string;
  maxBytes?: number;
}

export function readInputBytes(file: string, o: ReadInputOptions = {}): Buffer {
  const what = o.what ?? 'file';
  const max = o.maxBytes ?? MAX_INPUT_BYTES;
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO given by mistake must not hang us before fstat can reject it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (o.what && (e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${what} not found`, { file }, { cause: e });
    throw new InputError(`cannot read ${what}: ${describeFsError(e)}`, { file }, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError('is a directory, expected a file', { file });
    if (!st.isFile()) throw new InputError('is not a regular file', { file });
    if (st.size > max) {
      throw new InputError(`${what} is too large (${st.size} bytes, limit ${max})`, { file });
    }
    // Read up to one byte past the cap: the file may have grown since fstat.
    const buf = Buffer.alloc(Math.min(st.size, max) + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len === buf.length) break;
    }
    if (len > max) throw new InputError(`${what} is too large (limit ${max} bytes)`, { file });
    const data = buf.subarray(0, len);
    const nul = data.indexOf(0);
    if (nul >= 0) {
      throw new InputError('binary file (contains a NUL byte), expected text', { file, ...bytePos(data, nul) });
    }
    return data;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${what}: ${describeFsError(e)}`, { file }, { cause: e });
  } finally {
    closeSync(fd);
  }
}

/** Strict UTF-8 decode; a leading BOM is dropped. Invalid bytes are reported with position. */
export function decodeUtf8(file: string, data: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new InputError('file is not valid UTF-8', { file, ...bytePos(data, firstInvalidUtf8(data)) });
  }
}

export function readInputText(file: string, o: ReadInputOptions = {}): string {
  return decodeUtf8(file, readInputBytes(file, o));
}

/** Line/column (1-based, column counted in characters) of a byte offset. */
export function bytePos(data: Buffer, offset: number): { line: number; col: number } {
  const before = data.subarray(0, offset);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = [...before.subarray(lineStart).toString('utf8')].length + 1;
  return { line, col };
}

export function firstInvalidUtf8(data: Buffer): number {
  const dec = new TextDecoder('utf-8', { fatal: true });
  // Binary search on the longest valid prefix would be cheaper; inputs are capped at 10 MiB
  // and this runs only on the error path, so a linear walk of code points is fine.
  let i = 0;
  while (i < data.length) {
    const b = data[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    try {
      dec.decode(data.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return data.length;
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file';
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  return err?.message ?? String(e);
}

