// Shared helpers for the inventory tests (not a test file itself).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { InputError } from '../../src/errors.js';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/inventory');

const created: string[] = [];
// Registered in every test file that imports this module (each file gets its own copy).
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the file's tests; `files` maps relative paths to contents. */
export function tmpTree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'crane-inv-'));
  created.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}

/** Writes one file into a fresh temp dir and returns its path. */
export function tmpFile(name: string, content: string | Buffer): string {
  return join(tmpTree({ [name]: content }), name);
}

/** Runs fn, asserts it throws an InputError and returns it. */
export function inputError(fn: () => unknown): InputError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected an InputError to be thrown').toBeInstanceOf(InputError);
  const err = thrown as InputError;
  expect(err.code).toBe(1);
  return err;
}

/** Asserts an InputError at file:line:col whose message matches `detail`. */
export function expectErrorAt(fn: () => unknown, file: string, line: number, col: number, detail: RegExp): InputError {
  const err = inputError(fn);
  expect(err.where).toEqual({ file, line, col });
  expect(err.message.startsWith(`${file}:${line}:${col}: `), err.message).toBe(true);
  expect(err.detail).toMatch(detail);
  return err;
}
