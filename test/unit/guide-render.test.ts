/** What the guide prints: previews, live progress, recap; and the multi-line paste reader. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { translator } from '../../src/guide/i18n.js';
import { hostOfProgressLine, phaseText, progressTranslator, renderMatches, renderPreview, renderRecap, shortList } from '../../src/guide/render.js';
import { readPaste, PASTE_SETTLE_MS } from '../../src/guide/prompts.js';
import { diagnose } from '../../src/catalog/diagnose.js';
import { getEntry } from '../../src/catalog/index.js';
import type { RunReport } from '../../src/engine/run.js';

const en = translator('en');
const zh = translator('zh');
const DIFF = '--- before: /etc/resolv.conf\n+++ after: /etc/resolv.conf\n@@ -1,2 +1,1 @@\n a\n-b\n';

function rep(hosts: RunReport['hosts'], mode: RunReport['mode'] = 'dry-run'): RunReport {
  return { runId: 'R1', mode, hosts, summary: { ok: 1, changed: 2, failed: 0, unreachable: 1, rolledBack: 0 }, exitCode: 4 };
}

describe('guide: preview', () => {
  const report = rep({
    a: { status: 'changed', tasks: [{ name: 'trim', status: 'changed', changed: true, diff: DIFF }] },
    b: { status: 'changed', tasks: [{ name: 'trim', status: 'changed', changed: true, diff: DIFF }] },
    c: { status: 'changed', tasks: [{ name: 'wipe', status: 'changed', changed: true, irreversible: true }, { name: 'restart', status: 'changed', changed: true, handler: true }] },
    d: { status: 'ok', tasks: [{ name: 'trim', status: 'ok', changed: false }] },
    e: { status: 'unreachable', tasks: [], error: 'connect timed out' },
  });

  it('shows a task\'s warnings (systemd-resolved) above its diff, in the operator\'s marker', () => {
    const warned = rep({ a: { status: 'changed', tasks: [{ name: 'trim', status: 'changed', changed: true, diff: DIFF, warnings: ['resolved will overwrite it\n会覆盖'] }] } });
    expect(renderPreview(en, warned).lines.slice(2, 5)).toEqual(['  will change step [trim]', '    ⚠ warning: resolved will overwrite it', '    ⚠ warning: 会覆盖']);
    expect(renderPreview(zh, warned).lines[3]).toBe('    ⚠ 注意： resolved will overwrite it');
  });

  it('groups hosts with identical changes, lists the unchanged and the failed', () => {
    const p = renderPreview(en, report);
    expect(p.changed).toEqual(['a', 'b', 'c']);
    expect(p.unchanged).toEqual(['d']);
    expect(p.failed).toEqual(['e']);
    expect(p.irreversible).toEqual(['wipe']);
    expect(p.lines).toEqual([
      'What the fix would change:',
      '── 2 host(s): a, b',
      '  will change step [trim]',
      '    --- before: /etc/resolv.conf',
      '    +++ after: /etc/resolv.conf',
      '    @@ -1,2 +1,1 @@',
      '     a',
      '    -b',
      '── 1 host(s): c',
      '  will change step [wipe] ⚠ cannot be undone',
      '  will change handler [restart]',
      'Nothing to change on 1 host(s): d',
      'The dry-run failed on 1 host(s); they will be left out:',
      '  e: UNREACHABLE — connect timed out',
    ]);
  });

  it('in Chinese', () => {
    const p = renderPreview(zh, report);
    expect(p.lines).toContain('  将修改步骤【wipe】 ⚠ 不可回滚');
    expect(p.lines).toContain('1 台主机无需修改：d');
  });
});

describe('guide: live progress', () => {
  it('localises the engine lines, keeps unknown ones, and drops the engine recap', () => {
    const tr = progressTranslator(zh);
    const lines = [
      'note: these steps cannot be undone by rollback and need consent: set the hostname',
      'run 20261127T040443Z-91bf04 (apply) on 2 host(s); journal /j/x',
      'PLAY [Keep at most 3 nameservers in resolv.conf] 2 host(s)',
      'changed node03 task [remove nameserver lines after the third]',
      'ok      node03 verify [resolver works]',
      'failed  node04 task [write] — permission denied',
      'note    node06 write: target is a mount point; wrote it in place (rename would give EBUSY)',
      'UNREACHABLE node05: connect ECONNREFUSED',
      'ROLLED BACK node04: its files are as they were before the run',
      '',
      'RECAP 20261127T040443Z-91bf04 (apply)',
      'node03               : changed     ok=0 changed=1 failed=0 skipped=0',
      'undo this run with: crane-fix rollback 20261127T040443Z-91bf04',
    ].flatMap(tr);
    expect(lines).toEqual([
      '  以下步骤无法通过回滚撤销：set the hostname',
      '  运行 20261127T040443Z-91bf04 已开始，共 2 台主机；日志目录 /j/x',
      '  剧本：Keep at most 3 nameservers in resolv.conf（2 台主机）',
      '  已修改 node03 步骤【remove nameserver lines after the third】',
      '  无变化 node03 验证【resolver works】',
      '  失败 node04 步骤【write】 — permission denied',
      '  提示 node06：write: target is a mount point; wrote it in place (rename would give EBUSY)',
      '  node05：无法连接 —— connect ECONNREFUSED',
      '  node04：已恢复 —— 文件已还原到执行前的状态',
    ]);
  });

  it('names the engine phases in the operator language', () => {
    expect(['connecting', 'gathering facts', 'applying trim, restart kubelet', 'verify: dns answers', 'restoring 2 file(s)', 'something new'].map((p) => phaseText(zh, p))).toEqual([
      '正在连接',
      '正在读取当前状态',
      '正在执行 trim, restart kubelet',
      '正在验证：dns answers',
      '正在恢复 2 个文件',
      'something new',
    ]);
  });

  it('passes unknown engine lines through', () => {
    expect(progressTranslator(en)('something new from the engine')).toEqual(['  something new from the engine']);
  });

  it('turns the signal notice into the operator language', () => {
    expect(progressTranslator(en)('\nSIGINT: finishing the current step on each host, then restoring')).toEqual([
      'Stopping: each host finishes its current step, then what this run changed is restored (press Ctrl-C again to quit at once).',
    ]);
  });

  it('knows which host a progress line reports', () => {
    expect(hostOfProgressLine('changed node03 task [x]')).toBe('node03');
    expect(hostOfProgressLine('UNREACHABLE node05: boom')).toBe('node05');
    expect(hostOfProgressLine('PLAY [x] 3 host(s)')).toBeUndefined();
  });
});

describe('guide: recap and lists', () => {
  it('recaps per host with the error and flags verify failures', () => {
    const r = rep(
      {
        a: { status: 'changed', tasks: [{ name: 't', status: 'changed', changed: true }, { name: 'v', status: 'ok', changed: false, verify: true }] },
        b: { status: 'rolled-back', tasks: [{ name: 't', status: 'changed', changed: true }, { name: 'v', status: 'failed', changed: false, verify: true, error: 'dns does not answer' }] },
      },
      'apply',
    );
    expect(renderRecap(en, r)).toEqual([
      'Recap of run R1:',
      '  a: changed, 1 change(s)',
      '  b: restored, 1 change(s) — dns does not answer',
      '  hosts: 2 changed, 1 unchanged, 0 failed, 0 restored, 1 unreachable',
      'Verification failed on 1 host(s); crane-fix restored them already: b',
    ]);
  });

  it('shortens long host lists', () => {
    expect(shortList(en, ['a', 'b', 'c'], 2)).toBe('a, b … and 1 more');
    expect(shortList(zh, ['a', 'b', 'c'], 2)).toBe('a, b ……另有 1 台');
    expect(shortList(en, ['a', 'b'], 2)).toBe('a, b');
  });

  it('shows diagnose evidence and unexplained lines', () => {
    const r = diagnose(getEntry('resolv-conf-trim').symptoms[0]!.example + '\nE0101 00:00:00.000000 1 x.go:1] disk failed');
    const lines = renderMatches(zh, 'zh', r, getEntry);
    expect(lines[0]).toBe('与粘贴内容匹配的已知问题（1 个）：');
    expect(lines[1]).toBe('  resolv-conf-trim — /etc/resolv.conf 中 nameserver 超过 3 个');
    expect(lines).toContain('以下行看起来是报错，但没有匹配到已知问题：');
    expect(lines.at(-1)).toBe('    第 2 行：E0101 00:00:00.000000 1 x.go:1] disk failed');
  });
});

describe('guide: paste reader', () => {
  function tty() {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(v: boolean) { input.isRaw = v; return input; } });
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 200, rows: 50 });
    output.resume();
    return { input, output };
  }

  it('keeps blank lines inside a paste and ends at a typed empty line', async () => {
    const { input, output } = tty();
    const got = readPaste('paste:', { input, output });
    // One burst, as a terminal delivers a paste, with a blank line inside and a final newline:
    // neither ends the input, however long the operator then waits.
    input.write('first\r\rthird\r\r');
    await new Promise((r) => setTimeout(r, PASTE_SETTLE_MS + 100));
    input.write('fourth\r');
    await new Promise((r) => setTimeout(r, 80));
    input.write('\r'); // typed Enter on an empty line
    expect(await got).toBe('first\n\nthird\n\nfourth');
    expect(input.isRaw).toBe(false);
  });

  it('Ctrl-C rejects like an inquirer prompt', async () => {
    const { input, output } = tty();
    const got = readPaste('paste:', { input, output });
    input.write('half a line');
    input.write('\x03');
    await expect(got).rejects.toMatchObject({ name: 'ExitPromptError' });
  });

  it('an empty line alone means nothing was pasted', async () => {
    const { input, output } = tty();
    const got = readPaste('paste:', { input, output });
    input.write('\r');
    expect(await got).toBe('');
  });
});
