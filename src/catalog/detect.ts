/**
 * Shared plumbing for detectors: the sh helpers every snippet starts with, a strict parser
 * for what they print, and checked access to host vars.
 *
 * Output protocol (stdout only): a record starts with a line `@@crane <tag> [args...]`; the
 * record's body lines follow, each prefixed with `|` so that no file content can ever look
 * like a record header. Any other line is a protocol error and the detector says `unknown`.
 */
import type { Detector, DetectorResult } from './types.js';

/** `crane_file LABEL PATH`: the file's lines, or that it is missing / not a regular file. */
export const SH_FILE =
  `crane_file() { if [ -f "$2" ]; then echo "@@crane file $1"; ` +
  `while IFS= read -r l || [ -n "$l" ]; do printf '|%s\\n' "$l"; done < "$2"; ` +
  `elif [ -e "$2" ]; then echo "@@crane notfile $1"; else echo "@@crane missing $1"; fi; }`;

/** `crane_run LABEL CMD ARGS...`: exit code and combined stdout+stderr of a read-only command (safe under set -e). */
export const SH_RUN =
  `crane_run() { t=$1; shift; if o=$("$@" 2>&1); then r=0; else r=$?; fi; echo "@@crane run $t $r"; ` +
  `[ -z "$o" ] || printf '%s\\n' "$o" | while IFS= read -r l; do printf '|%s\\n' "$l"; done; }`;

export interface Rec {
  tag: string;
  args: string[];
  body: string[];
}

export class DetectorOutputError extends Error {}
export class VarError extends Error {}

const HEADER = '@@crane ';

export function parseRecords(stdout: string): Rec[] {
  // A pty on the way (ssh -t) turns every newline into CRLF.
  const lines = stdout.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const recs: Rec[] = [];
  let cur: Rec | undefined;
  for (const [i, line] of lines.entries()) {
    if (line.startsWith(HEADER)) {
      const parts = line.slice(HEADER.length).split(' ');
      const tag = parts[0] ?? '';
      if (!/^[a-z][a-z0-9-]*$/.test(tag)) throw new DetectorOutputError(`bad record header on line ${i + 1}: ${clip(line)}`);
      cur = { tag, args: parts.slice(1), body: [] };
      recs.push(cur);
    } else if (line.startsWith('|') && cur) {
      cur.body.push(line.slice(1));
    } else {
      throw new DetectorOutputError(`line ${i + 1}: ${clip(line) || '(empty line)'}`);
    }
  }
  if (recs.length === 0) throw new DetectorOutputError('no output');
  return recs;
}

export type FileRec = { kind: 'file'; lines: string[]; text: string } | { kind: 'missing' } | { kind: 'notfile' };

/** The `crane_file` record with this label; a protocol error when the script did not print one. */
export function fileRec(recs: Rec[], label: string): FileRec {
  const r = recs.find((x) => (x.tag === 'file' || x.tag === 'missing' || x.tag === 'notfile') && x.args[0] === label);
  if (!r) throw new DetectorOutputError(`no record for ${label}`);
  if (r.tag === 'file') return { kind: 'file', lines: r.body, text: r.body.join('\n') };
  return { kind: r.tag as 'missing' | 'notfile' };
}

export interface RunRec {
  rc: number;
  lines: string[];
  text: string;
}

export function runRec(recs: Rec[], label: string): RunRec {
  const r = optRunRec(recs, label);
  if (!r) throw new DetectorOutputError(`no record for ${label}`);
  return r;
}

export function optRunRec(recs: Rec[], label: string): RunRec | undefined {
  const r = recs.find((x) => x.tag === 'run' && x.args[0] === label);
  if (!r) return undefined;
  const rc = Number(r.args[1]);
  if (r.args.length !== 2 || !Number.isInteger(rc) || rc < 0 || rc > 255) {
    throw new DetectorOutputError(`bad exit code for ${label}: ${clip(r.args.slice(1).join(' '))}`);
  }
  return { rc, lines: r.body, text: r.body.join('\n') };
}

export function hasRec(recs: Rec[], tag: string): boolean {
  return recs.some((r) => r.tag === tag);
}

/** "sh: 1: xfs_info: not found" and friends: the tool is not installed. */
export function notInstalled(r: RunRec): boolean {
  return r.rc === 127;
}

// ---------------------------------------------------------------------------------------------
// Vars

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** First set value among `names` (the first name is ours, later ones are Crane's aliases). */
export function stringVar(vars: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) {
    const v = vars[n];
    if (!present(v)) continue;
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number') return String(v);
    throw new VarError(`${n} must be a string, got ${Array.isArray(v) ? 'a list' : typeof v}`);
  }
  return undefined;
}

/** An absolute path without newlines; a trailing slash is dropped ('/usr/local/bin/' is Crane's default). */
export function pathVar(vars: Record<string, unknown>, names: string[], def?: string): string | undefined {
  const v = stringVar(vars, names) ?? def;
  if (v === undefined) return undefined;
  if (!v.startsWith('/') || /[\n\r\0]/.test(v)) throw new VarError(`${names[0]} must be an absolute path, got ${JSON.stringify(clip(v, 80))}`);
  return v.length > 1 ? v.replace(/\/+$/, '') || '/' : v;
}

// ---------------------------------------------------------------------------------------------
// Detector factory

export interface DetectorSpec {
  /** Helpers the script uses. */
  helpers: ('file' | 'run')[];
  /** The script body; throws VarError for bad vars (evaluate then says unknown). */
  script(vars: Record<string, unknown>): string;
  judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult;
}

export function makeDetector(spec: DetectorSpec): Detector {
  return {
    command(vars) {
      let body: string;
      try {
        body = spec.script(vars);
      } catch (e) {
        if (e instanceof VarError) return `echo '@@crane badvar'\nexit 0`;
        throw e;
      }
      const helpers = spec.helpers.map((h) => (h === 'file' ? SH_FILE : SH_RUN));
      return [...helpers, body, 'exit 0'].join('\n');
    },
    evaluate(out, vars) {
      try {
        spec.script(vars); // same var checks as command()
        if (out.rc !== 0) {
          const why = firstLine(out.stderr) || firstLine(out.stdout);
          return unknown(`detector script exited ${out.rc}${why ? `: ${why}` : ''}`);
        }
        return spec.judge(parseRecords(out.stdout), vars);
      } catch (e) {
        if (e instanceof VarError) return unknown(`bad var: ${e.message}`);
        if (e instanceof DetectorOutputError) return unknown(`unexpected detector output (${e.message})`);
        return unknown(`cannot evaluate: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export function result(status: DetectorResult['status'], evidence: string): DetectorResult {
  return { status, evidence: clip(evidence, 300) };
}
export const affected = (e: string) => result('affected', e);
export const clean = (e: string) => result('clean', e);
export const unknown = (e: string) => result('unknown', e);

export function clip(s: string, max = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function firstLine(s: string): string {
  const l = s.split('\n').find((x) => x.trim() !== '');
  return l ? clip(l, 120) : '';
}

/** "3.10.0-1127.el7.x86_64" -> [3, 10]; "Kubernetes v1.17.0" -> [1, 17]. */
export function majorMinor(s: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(s);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function versionLess(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
