import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineinfileModule } from '../../src/modules/lineinfile.js';
import { applyOps, sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { content, run, runTwice } from './modules-helpers.js';
import { oracle, oracleAvailable } from './modules-oracle/oracle.js';

const TOML = '[plugins]\n  SystemdCgroup = false\n';
const CGROUP = { path: '/etc/containerd/config.toml', regexp: '^\\s*SystemdCgroup\\s*=', line: '  SystemdCgroup = true' };

const newContent = (plan: { ops: unknown[] }) => (plan.ops.find((o) => (o as { op: string }).op === 'write') as { content: string } | undefined)?.content;

describe('lineinfile', () => {
  it('replaces the matching line, with Ansible\'s (content) diff headers', () => {
    const { plan } = run(lineinfileModule, CGROUP, { '/etc/containerd/config.toml': TOML });
    expect(plan.status).toBe('changed');
    expect(plan.result).toEqual({ changed: true, msg: 'line replaced', backup: '' });
    expect(plan.ops).toEqual([{ op: 'write', path: '/etc/containerd/config.toml', content: '[plugins]\n  SystemdCgroup = true\n', expectSha256: sha256(TOML) }]);
    expect(unifiedDiff(plan.diffs[0]!)).toBe(
      '--- before: /etc/containerd/config.toml (content)\n+++ after: /etc/containerd/config.toml (content)\n@@ -1,2 +1,2 @@\n [plugins]\n-  SystemdCgroup = false\n+  SystemdCgroup = true\n\n',
    );
  });

  it('no-op when the line is already there', () => {
    const { plan } = run(lineinfileModule, CGROUP, { '/etc/containerd/config.toml': '[plugins]\n  SystemdCgroup = true\n' });
    expect(plan).toMatchObject({ status: 'ok', ops: [], diffs: [], result: { changed: false, msg: '' } });
    expect(plan.msg).toMatch(/already present/);
  });

  it('appends at EOF, adding the missing final newline first', () => {
    expect(newContent(run(lineinfileModule, { path: '/f', line: 'b' }, { '/f': 'a' }).plan)).toBe('a\nb\n');
    expect(newContent(run(lineinfileModule, { path: '/f', line: 'b', insertbefore: 'BOF' }, { '/f': 'a\n' }).plan)).toBe('b\na\n');
    expect(newContent(run(lineinfileModule, { path: '/f', line: 'b', insertafter: '^\\[x\\]' }, { '/f': '[x]\nc\n[x]\n' }).plan)).toBe('[x]\nc\n[x]\nb\n');
    expect(newContent(run(lineinfileModule, { path: '/f', line: 'b', insertafter: '^\\[x\\]', firstmatch: true }, { '/f': '[x]\nc\n[x]\n' }).plan)).toBe('[x]\nb\nc\n[x]\n');
    expect(newContent(run(lineinfileModule, { path: '/f', line: 'b', insertbefore: '^c' }, { '/f': '[x]\nc\n' }).plan)).toBe('[x]\nb\nc\n');
  });

  it('backrefs: expands groups; does nothing without a match', () => {
    const r = { path: '/f', regexp: '^(\\s*)SystemdCgroup = \\w+$', line: '\\1SystemdCgroup = true', backrefs: true };
    expect(newContent(run(lineinfileModule, r, { '/f': '  SystemdCgroup = false\n' }).plan)).toBe('  SystemdCgroup = true\n');
    expect(run(lineinfileModule, r, { '/f': 'other\n' }).plan).toMatchObject({ status: 'ok', ops: [] });
  });

  it('state=absent removes every matching line', () => {
    const { plan } = run(lineinfileModule, { path: '/f', regexp: '^swap', state: 'absent' }, { '/f': 'swap1\nx\nswap2\n' });
    expect(plan.result).toEqual({ changed: true, found: 2, msg: '2 line(s) removed', backup: '' });
    expect(newContent(plan)).toBe('x\n');
    expect(run(lineinfileModule, { path: '/f', line: 'x', state: 'absent' }, { '/f': null }).plan).toMatchObject({ status: 'ok', msg: 'file not present' });
  });

  it('missing file: fails without create, creates parents with create=yes', () => {
    expect(run(lineinfileModule, { path: '/etc/new/f', line: 'a' }, { '/etc/new/f': null }).plan).toMatchObject({ status: 'failed', msg: 'Destination /etc/new/f does not exist !' });
    const { plan } = run(lineinfileModule, { path: '/etc/new/f', line: 'a', create: 'yes', mode: '0600' }, { '/etc/new/f': null, '/etc': { type: 'directory' } });
    expect(plan.ops).toEqual([
      { op: 'mkdir', path: '/etc/new' },
      { op: 'write', path: '/etc/new/f', content: 'a\n', expectSha256: null, mode: 0o600 },
    ]);
    expect(plan.msg).toBe('line added and ownership, perms or SE linux context changed');
    expect(plan.diffs.map(unifiedDiff).join('')).toBe(
      '--- before: /etc/new/f (content)\n+++ after: /etc/new/f (content)\n@@ -0,0 +1 @@\n+a\n\n' +
        '--- before: /etc/new/f (file attributes)\n+++ after: /etc/new/f (file attributes)\n@@ -1,3 +1,3 @@\n {\n-    "mode": "0644"\n+    "mode": "0600"\n }\n\n',
    );
    // check mode: Ansible exits before looking at attributes of a file that doesn't exist
    expect(run(lineinfileModule, { path: '/etc/new/f', line: 'a', create: true, mode: '0600' }, { '/etc/new/f': null, '/etc': { type: 'directory' } }, { checkMode: true }).plan.msg).toBe('line added');
  });

  it('reproduces Ansible 2.14\'s insertafter-on-last-line quirk (no newline is added first)', () => {
    expect(newContent(run(lineinfileModule, { path: '/f', line: 'a=9', insertafter: '^x' }, { '/f': 'b\nx' }).plan)).toBe('b\nxa=9\n');
  });

  it('validates option combinations at parse time', () => {
    const bad = (a: object) => lineinfileModule.args.safeParse(a).success;
    expect(bad({ path: '/f', line: 'a', insertafter: 'x', insertbefore: 'y' })).toBe(false);
    expect(bad({ path: '/f', line: 'a', regexp: 'x', search_string: 'y' })).toBe(false);
    expect(bad({ path: '/f', line: 'a', backrefs: true })).toBe(false);
    expect(bad({ path: '/f' })).toBe(false);
    expect(bad({ path: '/f', state: 'absent' })).toBe(false);
    expect(bad({ dest: '/f', regex: 'x', value: 'y' })).toBe(true);
    expect(bad({ path: '/f', line: 'a', validate: 'x %s' })).toBe(false);
  });

  it('is idempotent and deterministic (property)', () => {
    const line = fc.constantFrom('a=1', 'a = 2', '#a=3', '', 'b=2', '[s]', 'x');
    // (files without a final newline are left out: see the insertafter quirk test)
    const text = fc.array(line, { maxLength: 8 }).chain((ls) => fc.constantFrom(ls.join('\n') + '\n', ls.join('\r\n') + '\r\n'));
    // Ansible's idempotence contract: the regexp must also match `line` itself
    const lineAndRegexp = fc.constantFrom<{ line: string; regexp?: string }>(
      { line: 'a=9', regexp: '^a\\s*=' },
      { line: '#a=3', regexp: '^#?a' },
      { line: 'b=2', regexp: '^b=' },
      { line: 'new line' },
      { line: 'b=2' },
    );
    const args = fc
      .tuple(
        lineAndRegexp,
        fc.record(
          {
            insertafter: fc.constantFrom('EOF', 'BOF', '^\\[s\\]', '^x'),
            firstmatch: fc.boolean(),
            state: fc.constantFrom('present', 'present', 'absent'),
            create: fc.constant(true),
          },
          { requiredKeys: ['state', 'create'] },
        ),
      )
      .map(([lr, rest]) => ({ ...lr, ...rest }));
    fc.assert(
      fc.property(fc.option(text), args, (t, a) => {
        const raw = { path: '/etc/x.conf', ...a };
        const files = { '/etc/x.conf': t, '/etc': { type: 'directory' as const } };
        const { first, second } = runTwice(lineinfileModule, raw, files);
        expect(second.plan.ops, JSON.stringify({ t, a, first: first.plan.ops })).toEqual([]);
        expect(second.plan.status).toBe('ok');
        expect(run(lineinfileModule, raw, files).plan).toEqual(first.plan);
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('matches ansible-core byte for byte (differential)', () => {
    if (!oracleAvailable()) return;
    const line = fc.constantFrom('a=1', 'a = 2', '#a=3', '', 'b=2', '[s]', 'x', 'a=1', 'x=ü');
    const text = fc.array(line, { maxLength: 7 }).chain((ls) => fc.constantFrom(ls.join('\n'), ls.join('\n') + '\n', ls.join('\r\n'), ls.join('\n') + '\r'));
    const args = fc
      .tuple(
        fc.record({ line: fc.constantFrom('a=9', 'b=2', 'x', '\\1=5', '#a=3', 'a=1'), state: fc.constantFrom('present', 'present', 'present', 'absent'), firstmatch: fc.boolean() }),
        fc.oneof(
          fc.record({ regexp: fc.constantFrom('^a\\s*=', '^(#?a)', '^(b)=', '^(\\w)=', 'zzz', ''), backrefs: fc.boolean() }, { requiredKeys: ['regexp'] }),
          fc.record({ search_string: fc.constantFrom('a=', '[s]', '') }),
          fc.constant({}),
        ),
        fc.oneof(
          fc.record({ insertafter: fc.constantFrom('EOF', 'BOF', '^\\[s\\]', '^x', 'nomatch') }),
          fc.record({ insertbefore: fc.constantFrom('BOF', '^\\[s\\]', '^x', 'nomatch') }),
          fc.constant({}),
        ),
        fc.oneof(fc.record({ mode: fc.constantFrom('0600', '0644', 'u+x', 'go-r') }), fc.constant({}), fc.constant({})),
      )
      .map(([base, m, ins, mode]) => ({ ...base, ...m, ...ins, ...mode }) as Record<string, unknown>);
    const valid = (a: Record<string, unknown>) => lineinfileModule.args.safeParse({ path: '/x', ...a }).success;
    const cases = fc
      .sample(fc.tuple(fc.option(text, { freq: 8 }), args, fc.boolean()), { numRuns: 400, seed: 11 })
      .filter(([, a]) => valid(a))
      .filter(([, a]) => !(a.backrefs && typeof a.line === 'string' && a.line.includes('\\1') && !/\(/.test(String(a.regexp))))
      .map(([t, a, create]) => [t, { ...a, ...(t === null ? { create } : {}) }] as const);
    const ans = oracle(cases.map(([t, a]) => ({ kind: 'module', module: 'lineinfile', args: { path: '@@/d/f', ...a }, files: { 'd/f': t, 'd/keep': '' } })));
    let compared = 0;
    cases.forEach(([t, a], i) => {
      const want = ans[i];
      if (!want.result) throw new Error(`oracle error for ${JSON.stringify({ t, a })}: ${JSON.stringify(want)}`);
      const label = JSON.stringify({ t, a, want });
      const { plan, files } = run(lineinfileModule, { path: '@@/d/f', ...a }, { '@@/d/f': t, '@@/d': { type: 'directory' } });
      if (want.result.failed) {
        expect(plan.status, label).toBe('failed');
        if (want.result.msg !== 'MODULE FAILURE') expect(plan.msg, label).toBe(want.result.msg);
        return;
      }
      compared++;
      expect(plan.status === 'changed', label).toBe(want.result.changed);
      expect(plan.result!.msg, label).toBe(want.result.msg);
      const after = applyOps(files, plan.ops);
      expect(content(after, '@@/d/f') ?? null, label).toBe(want.files['d/f']);
      if (want.files['d/f'] !== null) expect('0o' + (after.get('@@/d/f')!.mode ?? 0).toString(8), label).toBe(want.files['d/f#mode']);
      // Ansible's diff list: [content, attributes]; compare the rendered text
      const wantDiffs = (Array.isArray(want.result.diff) ? want.result.diff : [want.result.diff]).filter((d: { before?: unknown }) => d && 'before' in d);
      const render = (d: { before: unknown; after: unknown; before_header?: string; after_header?: string }) =>
        unifiedDiff({
          path: '',
          before: typeof d.before === 'string' ? d.before : JSON.stringify(d.before, null, 4) + '\n',
          after: typeof d.after === 'string' ? d.after : JSON.stringify(d.after, null, 4) + '\n',
          beforeHeader: d.before_header ?? null,
          afterHeader: d.after_header ?? null,
        });
      expect(plan.diffs.map(unifiedDiff).join(''), label).toBe(wantDiffs.map(render).join(''));
    });
    expect(compared).toBeGreaterThan(150);
  }, 60_000);
});
