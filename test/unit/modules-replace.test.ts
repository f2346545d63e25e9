import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replaceModule } from '../../src/modules/replace.js';
import { applyOps, sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { content, run, runTwice } from './modules-helpers.js';
import { oracle, oracleAvailable } from './modules-oracle/oracle.js';

const FSTAB = 'UUID=1 / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n';
const SWAP_OFF = { path: '/etc/fstab', regexp: '^([^#].*\\sswap\\s.*)$', replace: '# \\1' };

describe('replace', () => {
  it('plans one guarded write with the exact diff', () => {
    const { plan } = run(replaceModule, SWAP_OFF, { '/etc/fstab': FSTAB });
    expect(plan.status).toBe('changed');
    expect(plan.msg).toBe('1 replacements made');
    expect(plan.ops).toEqual([{ op: 'write', path: '/etc/fstab', content: 'UUID=1 / ext4 defaults 0 1\n# /swap.img none swap sw 0 0\n', expectSha256: sha256(FSTAB) }]);
    expect(plan.result).toEqual({ changed: true, msg: '1 replacements made', rc: 0 });
    expect(unifiedDiff(plan.diffs[0]!)).toBe(
      '--- before: /etc/fstab\n+++ after: /etc/fstab\n@@ -1,2 +1,2 @@\n UUID=1 / ext4 defaults 0 1\n-/swap.img none swap sw 0 0\n+# /swap.img none swap sw 0 0\n\n',
    );
  });

  it('is ok with no ops when nothing matches, and says why', () => {
    const { plan } = run(replaceModule, SWAP_OFF, { '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n' });
    expect(plan).toMatchObject({ status: 'ok', ops: [], diffs: [], result: { changed: false, msg: '' } });
    expect(plan.msg).toMatch(/no match/);
  });

  it('fails like Ansible on a missing file or a directory', () => {
    expect(run(replaceModule, SWAP_OFF, { '/etc/fstab': null }).plan).toMatchObject({ status: 'failed', msg: 'Path /etc/fstab does not exist !', ops: [] });
    expect(run(replaceModule, SWAP_OFF, { '/etc/fstab': { type: 'directory' } }).plan).toMatchObject({ status: 'failed', msg: 'Path /etc/fstab is a directory !' });
  });

  it('refuses binary or unread files instead of clobbering them', () => {
    expect(run(replaceModule, SWAP_OFF, { '/etc/fstab': { binary: true, sha256: 'x' } }).plan.status).toBe('failed');
    expect(run(replaceModule, SWAP_OFF, { '/etc/fstab': { tooLarge: true, sha256: 'x' } }).plan.status).toBe('failed');
  });

  it('same plan in check mode', () => {
    expect(run(replaceModule, SWAP_OFF, { '/etc/fstab': FSTAB }, { checkMode: true }).plan).toEqual(run(replaceModule, SWAP_OFF, { '/etc/fstab': FSTAB }).plan);
  });

  it('after/before limit the section (DOTALL, like Ansible)', () => {
    const text = '[a]\nx=1\n[b]\nx=1\n[c]\nx=1\n';
    const { plan } = run(replaceModule, { path: '/f', regexp: '^x=1$', replace: 'x=2', after: '\\[b\\]', before: '\\[c\\]' }, { '/f': text });
    expect((plan.ops[0] as { content: string }).content).toBe('[a]\nx=1\n[b]\nx=2\n[c]\nx=1\n');
    const none = run(replaceModule, { path: '/f', regexp: 'x', replace: 'y', after: 'nope' }, { '/f': text }).plan;
    expect(none).toMatchObject({ status: 'ok', result: { msg: 'Pattern for before/after params did not match the given file: nope(?P<subsection>.*)' } });
  });

  it('named groups and \\g<name> in the replacement', () => {
    const { plan } = run(replaceModule, { path: '/f', regexp: '^(?P<k>\\w+)\\s*=\\s*(?P<v>.*)$', replace: '\\g<k>: \\g<v>' }, { '/f': 'a = 1\nb=2\n' });
    expect((plan.ops[0] as { content: string }).content).toBe('a: 1\nb: 2\n');
  });

  it('mode/owner changes alone: attrs op and Ansible message', () => {
    const { plan } = run(replaceModule, { ...SWAP_OFF, mode: '0600', owner: 'kube' }, { '/etc/fstab': 'nothing\n' });
    expect(plan.status).toBe('changed');
    expect(plan.msg).toBe('ownership, perms or SE linux context changed');
    expect(plan.ops).toEqual([{ op: 'attrs', path: '/etc/fstab', mode: 0o600, owner: 'kube' }]);
    expect(plan.diffs[0]!.attrs).toEqual(['mode 0644 -> 0600', 'owner root -> kube']);
    const both = run(replaceModule, { ...SWAP_OFF, mode: 'u=rw,go=' }, { '/etc/fstab': FSTAB }).plan;
    expect(both.msg).toBe('1 replacements made and ownership, perms or SE linux context changed');
  });

  it('rejects unknown options and bad regexps in the schema', () => {
    expect(replaceModule.args.safeParse({ path: '/f', regexp: 'a', bogus: 1 }).success).toBe(false);
    expect(replaceModule.args.safeParse({ path: '/f', regexp: '(unclosed' }).success).toBe(false);
    expect(replaceModule.args.safeParse({ dest: '/f', regexp: 'a' }).success).toBe(true);
    expect(replaceModule.args.safeParse({ path: '/f' }).success).toBe(false);
  });

  it('is idempotent and deterministic (property)', () => {
    const line = fc.constantFrom('a=1', 'b = 2', '#c=3', '', 'swap none swap sw', 'x', 'key: val');
    const text = fc.array(line, { maxLength: 8 }).chain((ls) => fc.constantFrom(ls.join('\n'), ls.join('\n') + '\n', ls.join('\r\n')));
    const args = fc.constantFrom(
      { regexp: '^(\\w+)\\s*=\\s*(\\d+)$', replace: '\\1=\\2' },
      { regexp: '^#(.*)$', replace: '\\1' },
      // (the fstab pattern itself is not idempotent on CRLF files: \s also matches \n)
      { regexp: '^([^#\\s][^\\n]*[ \\t]swap[ \\t][^\\n]*)$', replace: '# \\1' },
      { regexp: '\\s+$', replace: '' },
      { regexp: 'val', replace: 'VAL' },
      { regexp: '^b', replace: 'B', after: 'a=1' },
    );
    fc.assert(
      fc.property(text, args, (t, a) => {
        const raw = { path: '/etc/x.conf', ...a };
        const { first, second } = runTwice(replaceModule, raw, { '/etc/x.conf': t });
        expect(second.plan.status).toBe('ok');
        expect(second.plan.ops).toEqual([]);
        expect(run(replaceModule, raw, { '/etc/x.conf': t }).plan).toEqual(first.plan);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('produces the same file, changed flag, msg and diff as ansible-core (differential)', () => {
    if (!oracleAvailable()) return;
    const line = fc.constantFrom('a=1', 'b = 2', '#c=3', '', 'swap none swap sw', 'x', 'ünï=1', '[s]');
    const text = fc.array(line, { maxLength: 8 }).chain((ls) => fc.constantFrom(ls.join('\n'), ls.join('\n') + '\n'));
    const args = fc.record(
      {
        regexp: fc.constantFrom('^(\\w+)\\s*=\\s*(\\d+)$', '^#', '=', '^$', '\\s*$', '(?P<k>\\w+)=', 'x', '^', '.*'),
        replace: fc.constantFrom('', '\\1=9', 'Z', '\\g<0>!', '# \\g<0>'),
        after: fc.constantFrom('\\[s\\]', 'b', 'nomatch'),
        before: fc.constantFrom('x', '#'),
      },
      { requiredKeys: ['regexp', 'replace'] },
    );
    const cases = fc.sample(fc.tuple(text, args), { numRuns: 250, seed: 3 }).filter(([, a]) => !(a.replace.includes('\\1') && !a.regexp.includes('(')));
    const ans = oracle(cases.map(([t, a]) => ({ kind: 'module', module: 'replace', args: { path: '@@/f', ...a }, files: { f: t } })));
    cases.forEach(([t, a], i) => {
      const label = JSON.stringify({ t, a });
      const { plan, files } = run(replaceModule, { path: '@@/f', ...a }, { '@@/f': t });
      const want = ans[i];
      expect(plan.status === 'changed', label).toBe(want.result.changed);
      expect(plan.result!.msg, label).toBe(want.result.msg);
      expect(content(applyOps(files, plan.ops), '@@/f'), label).toBe(want.files.f);
      if (want.result.diff) expect({ before: plan.diffs[0]!.before, after: plan.diffs[0]!.after }, label).toEqual({ before: want.result.diff.before, after: want.result.diff.after });
    });
  }, 60_000);
});
