/**
 * ansible.posix.sysctl — port of SysctlModule (Linux paths):
 *  - the file is normalized exactly like Ansible rewrites it (every line stripped,
 *    `key = value` written as `key=value`, a repeated key keeps only its first line,
 *    the new key appended at the end), and only written when the key's value differs;
 *  - `sysctl -e -n <name>` is the current kernel value (a read-only command fact);
 *  - `sysctl_set` runs `sysctl -w name=value`; `reload` runs `sysctl -p <file>` whenever
 *    anything changed — including attribute-only changes — as Ansible does.
 * Ansible shows no diff for sysctl; crane-fix adds the file diff (display only).
 */
import { z } from 'zod';
import { aBool, aChoice, aPath, aStr, defineModule, failed, fileAttrShape, issue, options, planAttrs, pyStrip, readText } from './common.js';
import { shellJoin } from './shellQuote.js';
import type { FileDiff, ModulePlan, Op } from './types.js';
import { normPath } from './virtualFs.js';

const args = options(
  {
    name: aStr(),
    value: aStr().optional(),
    state: aChoice(['present', 'absent'] as const).default('present'),
    reload: aBool().default(true),
    sysctl_set: aBool().default(false),
    ignoreerrors: aBool().default(false),
    sysctl_file: aPath().default('/etc/sysctl.conf'),
    ...fileAttrShape,
  },
  { name: ['key'], value: ['val'] },
  (v, ctx) => {
    if (v.name === '' || v.name.trim() === '') issue(ctx, 'name', 'name cannot be blank');
    if (/[\s=]/.test(v.name.trim())) issue(ctx, 'name', `invalid sysctl name ${JSON.stringify(v.name)}`);
    if (v.state === 'present' && v.value === undefined) issue(ctx, 'value', 'value cannot be None');
    if (v.state === 'present' && v.value === '') issue(ctx, 'value', 'value cannot be blank');
    if (v.value !== undefined && /[\n\r]/.test(v.value)) issue(ctx, 'value', 'value must be a single line');
  },
);

type Args = z.output<typeof args>;

// Python str.strip() whitespace

/** SysctlModule._parse_value */
export function parseSysctlValue(value: string | undefined): string {
  if (value === undefined) return '';
  const l = value.toLowerCase();
  if (BOOLEANS_TRUE.includes(l)) return '1';
  if (BOOLEANS_FALSE.includes(l)) return '0';
  return pyStrip(value);
}

const BOOLEANS_TRUE = ['y', 'yes', 'on', '1', 'true', 't'];
const BOOLEANS_FALSE = ['n', 'no', 'off', '0', 'false', 'f'];

function valuesEqual(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = a.split(/\s+/).filter(Boolean);
  const y = b.split(/\s+/).filter(Boolean);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

const procKey = (name: string) => `sysctl:${name}`;

/** Text-mode readlines (universal newlines), as SysctlModule reads the file. */
function textLines(content: string): string[] {
  return content.split(/\r\n|\r|\n/).filter((l, i, arr) => !(i === arr.length - 1 && l === ''));
}

export const sysctlModule = defineModule<Args>({
  name: 'sysctl',
  aliases: ['ansible.posix.sysctl', 'community.general.sysctl', 'ansible.builtin.sysctl'],
  args,
  supportsCheck: true,
  supportsDiff: false,
  reversible: (a) => !a.sysctl_set && !a.reload,
  needsConsent: (a) => Boolean(a.sysctl_set || a.reload),
  facts: (a) => [
    { kind: 'file', path: normPath(a.sysctl_file) },
    { kind: 'command', key: procKey(a.name.trim()), command: shellJoin(['sysctl', '-e', '-n', a.name.trim()]) },
  ],
  plan(a, ctx): ModulePlan {
    const name = a.name.trim();
    const value = parseSysctlValue(a.value);
    const file = normPath(a.sysctl_file);
    const proc = ctx.command(procKey(name));
    const procValue = proc.rc === 0 ? proc.stdout : undefined;
    const { state: fst, error } = readText(ctx, file);
    if (fst.exists && fst.type !== 'file' && fst.type !== undefined) return failed(`${a.sysctl_file} is not a regular file`);
    if (error) return failed(error);
    const isFile = fst.exists;
    const fileLines: string[] = [];
    const fileValues = new Map<string, string>();
    for (const raw of isFile ? textLines(fst.content!) : []) {
      const line = pyStrip(raw);
      fileLines.push(line);
      if (!line || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) continue;
      const i = line.indexOf('=');
      fileValues.set(pyStrip(line.slice(0, i)), pyStrip(pyStrip(line.slice(i + 1))));
    }
    const fileValue = fileValues.get(name);

    // fix_lines
    const checked = new Set<string>();
    const fixed: string[] = [];
    for (const line of fileLines) {
      if (!pyStrip(line) || pyStrip(line).startsWith('#') || pyStrip(line).startsWith(';') || !line.includes('=')) {
        fixed.push(line);
        continue;
      }
      const t = pyStrip(line);
      const i = t.indexOf('=');
      const k = pyStrip(t.slice(0, i));
      const v = pyStrip(t.slice(i + 1));
      if (checked.has(k)) continue;
      checked.add(k);
      if (k === name) {
        if (a.state === 'present') fixed.push(`${k}=${value}\n`);
      } else {
        fixed.push(`${k}=${v}\n`);
      }
    }
    if (!checked.has(name) && a.state === 'present') fixed.push(`${name}=${value}\n`);

    let changed = false;
    let setProc = false;
    let writeFile = false;
    const why: string[] = [];
    if (fileValue === undefined && a.state === 'present') {
      changed = writeFile = true;
      why.push(`add ${name}=${value} to ${a.sysctl_file}`);
    } else if (fileValue === undefined && a.state === 'absent') {
      changed = false;
    } else if (fileValue && a.state === 'absent') {
      changed = writeFile = true;
      why.push(`remove ${name} from ${a.sysctl_file}`);
    } else if (fileValue !== value) {
      changed = writeFile = true;
      why.push(`${name}: ${a.sysctl_file} has ${JSON.stringify(fileValue)}, want ${JSON.stringify(value)}`);
    } else if (a.reload) {
      if (procValue === undefined || !valuesEqual(procValue, value)) {
        changed = true;
        why.push(`${name}: kernel has ${procValue === undefined ? 'no such key' : JSON.stringify(procValue.trim())}, reload`);
      }
    }
    if (a.sysctl_set && a.state === 'present') {
      if (procValue === undefined) {
        changed = true;
      } else if (!valuesEqual(procValue, value)) {
        changed = true;
        setProc = true;
        why.push(`set kernel ${name}=${value}`);
      }
    }

    const ops: Op[] = [];
    const diffs: FileDiff[] = [];
    const before = isFile ? fst.content! : '';
    const after = fixed.map((l) => pyStrip(l) + '\n').join('');
    const ie = a.ignoreerrors ? ['-e'] : [];
    if (setProc) ops.push({ op: 'exec', command: shellJoin(['sysctl', ...ie, '-w', `${name}=${value}`]) });
    if (writeFile) {
      ops.push({ op: 'write', path: file, content: after, expectSha256: isFile ? (fst.sha256 ?? null) : null });
      diffs.push({ path: file, before, after, beforeHeader: isFile ? file : null });
    }
    const attrs = planAttrs(file, writeFile ? { ...fst, exists: isFile || writeFile, mode: isFile ? fst.mode : 0o644, type: 'file' } : fst, a);
    if (attrs.changed && (isFile || writeFile)) {
      changed = true;
      if (attrs.op) ops.push(attrs.op);
      why.push(...attrs.summary);
      if (diffs[0]) diffs[0].attrs = attrs.summary;
    }
    if (changed && a.reload) ops.push({ op: 'exec', command: shellJoin(['sysctl', ...ie, '-p', a.sysctl_file]) });
    const result = { changed };
    if (!changed) return { status: 'ok', msg: `${name} is already ${a.state === 'present' ? value : 'absent'}`, ops: [], diffs: [], result };
    const kernelSet = a.state === 'present' && (setProc || (changed && a.reload));
    return {
      status: 'changed',
      msg: why.join('; ') || `${name} changed`,
      ops,
      diffs,
      result,
      runtimeOutcome: ops.some((o) => o.op === 'exec'),
      ...(kernelSet ? { factUpdates: { [procKey(name)]: { rc: 0, stdout: `${value}\n`, stderr: '' } } } : {}),
    };
  },
});
