/** `crane-fix fixes`, `fixes show`, `check`, `diagnose`: the remediation catalogue. */
import type { Command } from 'commander';
import { catalog, getEntry } from '../catalog/index.js';
import { diagnose, type DiagnoseEvidence } from '../catalog/diagnose.js';
import { readLogInput } from '../catalog/logInput.js';
import type { Lang } from '../catalog/types.js';
import { runCheck } from '../engine/check.js';
import { parseExtraVars } from '../inventory/index.js';
import { ExitError, InputError } from '../errors.js';
import { formatShard, parseShard } from '../inventory/shard.js';

export function langOf(opt?: string): Lang {
  if (opt) {
    if (opt !== 'en' && opt !== 'zh') throw new InputError(`expects en or zh, got ${JSON.stringify(opt)}`, { flag: '--lang' });
    return opt;
  }
  const env = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return /^zh/i.test(env) ? 'zh' : 'en';
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** "line 5", or "lines 5-6" for a message wrapped over two lines. */
function lineRef(ev: DiagnoseEvidence, zh: boolean): string {
  const span = ev.lastLine ? `${ev.line}-${ev.lastLine}` : String(ev.line);
  return zh ? `第 ${span} 行` : `line${ev.lastLine ? 's' : ''} ${span}`;
}

export function registerCatalog(program: Command): void {
  const fixes = program
    .command('fixes')
    .description('List the catalogue of known node problems')
    .option('--json', 'JSON on stdout')
    .option('--lang <en|zh>', 'language (default: from LANG)')
    .action((o) => {
      const lang = langOf(o.lang);
      if (o.json) {
        process.stdout.write(
          JSON.stringify(
            catalog.map((e) => ({ id: e.id, level: e.level, title: e.title, playbook: e.playbook ?? null, detector: Boolean(e.detector), reversible: e.reversible, destructive: Boolean(e.destructive), vars: (e.vars ?? []).map((v) => v.name) })),
            null,
            2,
          ) + '\n',
        );
        return;
      }
      for (const e of catalog) {
        const flags = [e.level, e.detector ? 'detect' : '', e.playbook ? 'fix' : 'advice', e.destructive ? 'DESTRUCTIVE' : e.reversible ? '' : 'irreversible'].filter(Boolean).join(',');
        console.log(`${e.id.padEnd(32)} ${flags.padEnd(30)} ${e.title[lang]}`);
      }
    });
  fixes
    .command('show')
    .argument('<id>')
    .option('--lang <en|zh>', 'language (default: from LANG)')
    .option('--json', 'JSON on stdout')
    .action((id: string, _o, cmd: Command) => {
      // `fixes` has --json and --lang too, and commander gives an option written after `show`
      // to the parent when both define it: read both levels.
      const o = cmd.optsWithGlobals();
      const e = getEntry(id);
      const lang = langOf(o.lang);
      if (o.json) {
        process.stdout.write(JSON.stringify({ ...e, detector: Boolean(e.detector), symptoms: e.symptoms.map((s) => ({ id: s.id, pattern: s.pattern.source, example: s.example, reason: s.reason })) }, null, 2) + '\n');
        return;
      }
      const zh = lang === 'zh';
      console.log(`${e.id} — ${e.title[lang]}\n`);
      console.log(e.explanation[lang] + '\n');
      console.log(`${zh ? '处理方法' : 'What to do'}:\n${e.action[lang]}\n`);
      if (e.symptoms.length) {
        console.log(zh ? '日志特征:' : 'Log signatures:');
        for (const s of e.symptoms) console.log(`  ${s.example}`);
      }
      if (e.vars?.length) {
        console.log(zh ? '\n变量:' : '\nVars:');
        for (const v of e.vars) console.log(`  ${v.name}${v.default !== undefined ? ` (${zh ? '默认' : 'default'} ${JSON.stringify(v.default)})` : ''}${v.required ? ` [${zh ? '必填' : 'required'}]` : ''}: ${v.description[lang]}`);
      }
      if (e.playbook) {
        console.log(`\n${zh ? '修复' : 'Fix'}: crane-fix apply -i <inventory> ${e.id} --dry-run${e.destructive ? (zh ? '   （破坏性操作，需要 --yes 并输入确认）' : '   (destructive: needs --yes and a typed confirmation)') : !e.reversible ? (zh ? '   （不可回滚，需要 --yes）' : '   (cannot be undone: needs --yes)') : ''}`);
      }
      for (const r of e.references ?? []) console.log(`  ${r}`);
    });

  program
    .command('check')
    .description('Run the catalogue detectors on every host (read-only): exit 0 all clean, 3 something affected')
    .requiredOption('-i, --inventory <file>', 'Ansible inventory')
    .argument('[ids...]', 'only these catalogue entries')
    .option('-l, --limit <pattern>', 'Ansible host pattern')
    .option('-e, --extra-vars <k=v|@file>', 'extra vars (repeatable)', collect, [])
    .option('--json', 'JSON on stdout')
    .option('--known-hosts <file>', 'known_hosts file(s)', collect, [])
    .option('--accept-new-host-keys', 'record unknown host keys')
    .option('-F, --ssh-config <file>', 'ssh_config to read (default ~/.ssh/config)')
    .option('--lang <en|zh>', 'language')
    .option('--shard <i/n>', 'only shard i of n (1-based) of the selected hosts (docs/shard.md)', (v: string) => parseShard(v))
    .action(async (ids: string[], o) => {
      const report = await runCheck({
        shard: o.shard,
        inventory: o.inventory,
        ids,
        limit: o.limit,
        extraVars: parseExtraVars(o.extraVars, process.cwd()),
        knownHosts: o.knownHosts,
        acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
        sshConfig: o.sshConfig,
        becomePassword: process.env.CRANE_FIX_BECOME_PASSWORD || undefined,
      });
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        const lang = langOf(o.lang);
        const out = (l: string) => console.log(l);
        if (report.shard) out(`shard ${formatShard(report.shard)}: ${report.shard.hosts} of ${report.shard.totalHosts} selected host(s)${report.shard.hosts ? '' : ' — no hosts in this shard, nothing to check'}`);
        for (const [h, row] of Object.entries(report.hosts)) {
          if (!row.reachable) {
            out(`${h}: UNREACHABLE ${row.error}`);
            continue;
          }
          for (const [id, r] of Object.entries(row.results)) if (r.status !== 'clean') out(`${h.padEnd(16)} ${r.status.padEnd(9)} ${id.padEnd(30)} ${r.evidence}`);
        }
        out('');
        for (const [id, hs] of Object.entries(report.affected)) out(`${id}: ${hs.length} host(s) affected — ${getEntry(id).title[lang]}; fix: crane-fix apply -i ${o.inventory} ${id} --dry-run`);
        if (!Object.keys(report.affected).length) out(lang === 'zh' ? '未发现问题' : 'no problem found');
      }
      if (report.exitCode) throw new ExitError(report.exitCode, '');
    });

  program
    .command('diagnose')
    .description('Match log text (kubelet, docker, CoreDNS, apiserver, istio-init) to catalogue entries')
    .option('--log <file|->', 'log file, or - for stdin', '-')
    .option('--json', 'JSON on stdout')
    .option('--lang <en|zh>', 'language')
    .action(async (o) => {
      const input = readLogInput(o.log);
      for (const w of input.warnings) process.stderr.write(`crane-fix: diagnose: ${w}\n`);
      const result = diagnose(input.text);
      if (o.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      const lang = langOf(o.lang);
      const zh = lang === 'zh';
      if (!result.matches.length) {
        console.log(zh ? '没有匹配的已知问题。' : 'No known problem matches this log.');
        // The log may not show it: the detectors look at the host itself.
        console.log(zh ? '可在该主机上运行检测：crane-fix check -i <inventory> --limit <host>' : 'Run the detectors on the host: crane-fix check -i <inventory> --limit <host>');
      } else {
        const best = result.matches[0]!;
        const ev = best.evidence[0]!;
        const reason = getEntry(best.entryId).symptoms.find((s) => s.id === ev.symptomId)?.reason[lang];
        console.log(`${zh ? '最可能' : 'Best match'}: ${best.entryId} (${lineRef(ev, zh)})${reason ? ` — ${reason}` : ''}`);
      }
      for (const m of result.matches) {
        const e = getEntry(m.entryId);
        console.log(`\n[${m.entryId}] ${e.title[lang]} (score ${m.score})`);
        for (const ev of m.evidence.slice(0, 3)) console.log(`  ${lineRef(ev, zh)}: ${ev.text.trim().slice(0, 200)}`);
        console.log(`  ${e.explanation[lang].split('\n')[0]}`);
        if (e.playbook) console.log(`  ${zh ? '修复' : 'fix'}: crane-fix apply -i <inventory> ${e.id} --dry-run`);
        else console.log(`  ${zh ? '建议' : 'action'}: ${e.action[lang].split('\n')[0]}`);
      }
      if (result.unexplained.length) {
        console.log(`\n${zh ? '未能解释的错误行' : 'Unexplained error lines'}:`);
        for (const u of result.unexplained.slice(0, 20)) console.log(`  ${u.line}: ${u.text.trim().slice(0, 200)}`);
      }
    });
}
