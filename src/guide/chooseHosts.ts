/**
 * Step 2 of the guided session: which hosts. The affected ones (from a scan), all, groups,
 * picked hosts or a pattern; the choice also gives the `--limit` the printed command repeats.
 */
import type { Choice } from './prompts.js';
import type { Ctx, HostChoice, Problem } from './context.js';
import { affectedBy, groupsOf, hostsOfGroups, inInventoryOrder, limitFor, tryPattern } from './hosts.js';
import { shortList, statusKey } from './render.js';
import { scan } from './scan.js';
import { askRequired } from './vars.js';

type HostMode = 'affected' | 'scan' | 'all' | 'groups' | 'pick' | 'pattern' | 'back';

export async function chooseHosts(ctx: Ctx, problem: Problem): Promise<HostChoice | undefined> {
  const { t, d, inv } = ctx;
  let affected = problem.affected;
  for (;;) {
    const choices: Choice<HostMode>[] = [];
    if (affected?.length) choices.push({ name: t('hostsAffected', { count: affected.length, hosts: shortList(t, affected, 4) }), value: 'affected' });
    else if (problem.entry.detector) choices.push({ name: t('hostsScanFor'), value: 'scan' });
    choices.push(
      { name: t('hostsAll', { count: ctx.all.length }), value: 'all' },
      { name: t('hostsGroups'), value: 'groups' },
      { name: t('hostsPick'), value: 'pick' },
      { name: t('hostsPattern'), value: 'pattern' },
      { name: t('back'), value: 'back' },
    );
    const mode = await d.prompts.select<HostMode>({ id: 'hostsQ', message: t('hostsQ'), choices });
    let hosts: string[];
    let limit: string | undefined;
    switch (mode) {
      case 'back':
        return undefined;
      case 'affected':
        hosts = affected!;
        break;
      case 'scan': {
        await askRequired(ctx, problem.entry, ctx.all);
        const report = await scan(ctx, ctx.all, [problem.entry.id]);
        for (const [h, row] of Object.entries(report.hosts)) {
          const r = row.results[problem.entry.id];
          if (r && r.status !== 'clean') d.out(`  ${h}: ${t(statusKey(r.status))} — ${r.evidence}`);
        }
        affected = affectedBy(report, problem.entry.id);
        if (!affected.length) {
          d.out(t('noAffected', { id: problem.entry.id }));
          continue;
        }
        hosts = affected;
        break;
      }
      case 'all':
        hosts = ctx.all;
        break;
      case 'groups': {
        const groups = await d.prompts.checkbox<string>({
          id: 'groupsQ',
          message: t('groupsQ'),
          choices: groupsOf(inv).map((g) => ({ name: t('groupChoice', { group: g.name, count: g.hosts.length, hosts: shortList(t, g.hosts, 5) }), value: g.name })),
        });
        hosts = hostsOfGroups(inv, groups);
        break;
      }
      case 'pick':
        hosts = inInventoryOrder(inv, await d.prompts.checkbox<string>({
          id: 'pickHostsQ',
          message: t('pickHostsQ'),
          choices: ctx.all.map((h) => ({
            name: `${h} (${inv.hosts.get(h)!.groups.filter((g) => g !== 'all' && g !== 'ungrouped').join(', ')})`,
            value: h,
            checked: Boolean(affected?.includes(h)),
          })),
        }));
        break;
      case 'pattern': {
        const pattern = (
          await d.prompts.input({
            id: 'patternQ',
            message: t('patternQ'),
            validate: (v) => {
              const r = tryPattern(inv, v);
              return 'error' in r ? r.error : true;
            },
          })
        ).trim();
        const r = tryPattern(inv, pattern);
        if ('error' in r) {
          d.out(r.error);
          continue;
        }
        hosts = r.hosts;
        limit = pattern;
        d.out(t('patternMatches', { count: hosts.length, hosts: shortList(t, hosts) }));
        break;
      }
    }
    if (!hosts.length) {
      d.out(t('needOne'));
      continue;
    }
    if (limit === undefined) limit = limitFor(inv, hosts);
    d.out(t('selectedHosts', { count: hosts.length, hosts: shortList(t, hosts, 12) }));
    if (await d.prompts.confirm({ id: 'useHostsQ', message: t('useHostsQ'), default: true })) return { hosts, limit };
  }
}
