/**
 * `crane-fix schedule install <file> <job> --systemd|--cron|--k8s-cronjob`: the same job run
 * by something else's clock, always as `crane-fix schedule once <file> <job>`.
 *
 * The times are generated from croner's parsed pattern (not copied as text), so every target
 * fires exactly when `schedule list` says, including classic cron's rule that day-of-month
 * and day-of-week, when both are restricted, match either (systemd gets two OnCalendar=
 * lines for that). What a target cannot express is refused with the reason:
 *  - systemd: `#n` (nth weekday);
 *  - crontab and Kubernetes: seconds other than 0, `L`, `#n`.
 * Overlap: systemd never starts a oneshot service that is still running; `schedule once`
 * takes the job's lock (skips, and records the skip, when a run is still going) for cron;
 * Kubernetes gets `concurrencyPolicy: Forbid`.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import { PACKAGE_ROOT } from '../engine/targets.js';
import { cronFields, type CronFields } from './cron.js';
import { formatDuration } from './duration.js';
import type { Schedule, ScheduleJob } from './types.js';

export interface InstallOptions {
  /** argv[0..] that runs crane-fix; default: this node binary and this package's dist/bin/crane-fix.js (the bundled CLI, package.json's bin). */
  command?: string[];
  journalDir?: string;
  /** Kubernetes only. */
  image?: string;
  namespace?: string;
  sshSecret?: string;
  journalClaim?: string;
}

/** Grace a run gets after SIGTERM to stop between round trips and restore (systemd TimeoutStopSec, k8s terminationGracePeriodSeconds). */
export const STOP_GRACE_S = 120;

export function defaultCommand(): string[] {
  return [process.execPath, path.join(PACKAGE_ROOT, 'dist', 'bin', 'crane-fix.js')];
}

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

type Style = { range: string; pad: boolean; star: string };
const SYSTEMD: Style = { range: '..', pad: true, star: '*' };
const CRON: Style = { range: '-', pad: false, star: '*' };

/**
 * A value set as a field: `*`, a repetition (`*​/15` in cron, `00/15` in systemd), or a list
 * of values and ranges. `keepList` keeps an explicit list even when it covers every value
 * (cron's day fields: a restricted field changes how the two day fields combine).
 */
export function formatSet(values: number[], min: number, max: number, style: Style, keepList = false, name?: (v: number) => string): string {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (!v.length) throw new Error('empty value set');
  const show = (x: number) => (name ? name(x) : style.pad ? String(x).padStart(2, '0') : String(x));
  if (!keepList && v.length === max - min + 1) return style.star;
  if (!name && v.length >= 3) {
    const step = v[1]! - v[0]!;
    const progression = step > 1 && v.every((x, i) => i === 0 || x - v[i - 1]! === step) && v[v.length - 1]! + step > max;
    if (progression) {
      if (style === CRON) return v[0] === min ? `*/${step}` : `${v[0]}-${max}/${step}`;
      return `${show(v[0]!)}/${step}`;
    }
  }
  const parts: string[] = [];
  for (let i = 0; i < v.length; ) {
    let j = i;
    while (j + 1 < v.length && v[j + 1] === v[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${show(v[i]!)}${style.range}${show(v[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(show(v[k]!));
    i = j + 1;
  }
  return parts.join(',');
}

function refuse(job: ScheduleJob, target: string, why: string): never {
  throw new InputError(`job '${job.name}' (cron ${JSON.stringify(job.cron)}) cannot be installed ${target}: ${why}`, job.valuePos.cron ?? job.pos);
}

/** systemd OnCalendar= expressions (one or more: they are ORed) for a job. */
export function onCalendar(job: ScheduleJob): string[] {
  const f = cronFields(job.cron);
  if (f.nthWeekday) refuse(job, 'as a systemd timer', "systemd calendar events have no 'nth weekday of the month' (#n)");
  const time = `${formatSet(f.hours, 0, 23, SYSTEMD)}:${formatSet(f.minutes, 0, 59, SYSTEMD)}:${formatSet(f.seconds, 0, 59, SYSTEMD)}`;
  const months = formatSet(f.months, 1, 12, SYSTEMD);
  const tz = job.timezone ? ` ${job.timezone}` : '';
  const dow = f.starDow ? '' : `${formatSet(f.weekdays, 0, 6, SYSTEMD, true, (d) => DOW[d]!)} `;
  const dates = (withDays: boolean): string[] => {
    if (!withDays || f.starDom) return [`*-${months}-*`];
    const out: string[] = [];
    if (f.days.length) out.push(`*-${months}-${formatSet(f.days, 1, 31, SYSTEMD)}`);
    if (f.lastDayOfMonth) out.push(`*-${months}~01`);
    return out;
  };
  const exprs: string[] = [];
  if (!f.starDom && !f.starDow) {
    // Classic cron: either day field matches.
    for (const d of dates(true)) exprs.push(`${d} ${time}${tz}`);
    exprs.push(`${dow}*-${months}-* ${time}${tz}`);
  } else if (!f.starDow) {
    exprs.push(`${dow}*-${months}-* ${time}${tz}`);
  } else {
    for (const d of dates(true)) exprs.push(`${d} ${time}${tz}`);
  }
  return exprs;
}

/** The five classic fields (minute hour day-of-month month day-of-week), for crontab and Kubernetes. */
export function classicCron(job: ScheduleJob, target: string): string {
  const f: CronFields = cronFields(job.cron);
  if (f.seconds.length !== 1 || f.seconds[0] !== 0) refuse(job, target, 'it fires at seconds other than :00, and cron has minute resolution');
  if (f.nthWeekday) refuse(job, target, "cron has no 'nth weekday of the month' (#n)");
  if (f.lastDayOfMonth) refuse(job, target, "cron has no 'last day of the month' (L)");
  return [
    formatSet(f.minutes, 0, 59, CRON),
    formatSet(f.hours, 0, 23, CRON),
    f.starDom ? '*' : formatSet(f.days, 1, 31, CRON, true),
    formatSet(f.months, 1, 12, CRON),
    f.starDow ? '*' : formatSet(f.weekdays, 0, 6, CRON, true),
  ].join(' ');
}

/** Quoting for systemd's ExecStart= (its own rules: "…" with C escapes; % and $ doubled). */
export function systemdQuote(arg: string): string {
  const esc = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return esc;
  return `"${esc.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** POSIX sh quoting. */
export function shQuote(arg: string): string {
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function onceArgs(schedule: Schedule, job: ScheduleJob, opts: InstallOptions, extra: string[]): string[] {
  return ['schedule', 'once', ...extra, ...(opts.journalDir ? ['--journal-dir', path.resolve(opts.journalDir)] : []), schedule.file, job.name];
}

function what(job: ScheduleJob): string {
  const items = [...job.fixes, ...job.playbooks.map((p) => path.basename(p))];
  return `${job.mode} ${items.join(', ')}`;
}

export function unitName(job: ScheduleJob): string {
  return `crane-fix-${job.name}`;
}

export function systemdUnits(schedule: Schedule, job: ScheduleJob, opts: InstallOptions = {}): { service: string; timer: string; name: string } {
  const name = unitName(job);
  const cmd = [...(opts.command ?? defaultCommand()), ...onceArgs(schedule, job, opts, [])];
  const cal = onCalendar(job);
  const service = [
    `# ${name}.service — crane-fix schedule job '${job.name}' from ${schedule.file}`,
    `# Install: save this as /etc/systemd/system/${name}.service and the timer as /etc/systemd/system/${name}.timer, then`,
    `#   systemctl daemon-reload && systemctl enable --now ${name}.timer`,
    '[Unit]',
    `Description=crane-fix scheduled job ${job.name} (${what(job)})`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${cmd.map(systemdQuote).join(' ')}`,
    // A run that is stopped (systemctl stop, shutdown) stops between round trips and restores.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${STOP_GRACE_S}`,
    `TimeoutStartSec=${job.timeoutMs ? Math.ceil(job.timeoutMs / 1000) + STOP_GRACE_S : 'infinity'}`,
    '',
  ].join('\n');
  const timer = [
    `# ${name}.timer — fires ${job.cron}${job.timezone ? ` (${job.timezone})` : ' (local time)'}; systemd never starts the service while a run is still going`,
    '[Unit]',
    `Description=Timer of crane-fix scheduled job ${job.name}`,
    '',
    '[Timer]',
    ...cal.map((c) => `OnCalendar=${c}`),
    'AccuracySec=1s',
    ...(job.jitterMs ? [`RandomizedDelaySec=${Math.max(1, Math.round(job.jitterMs / 1000))}`] : []),
    // Like the scheduler: a run missed while the machine was off is not made up for.
    'Persistent=false',
    `Unit=${name}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer, name };
}

export function crontabEntry(schedule: Schedule, job: ScheduleJob, opts: InstallOptions = {}): string {
  const fields = classicCron(job, 'in a crontab');
  const cmd = [...(opts.command ?? defaultCommand()), ...onceArgs(schedule, job, opts, job.jitterMs ? ['--jitter'] : [])];
  // In a crontab line an unescaped % ends the command.
  const line = `${fields} ${cmd.map(shQuote).join(' ').replace(/%/g, '\\%')}`;
  const out = [`# crane-fix schedule job '${job.name}' from ${schedule.file}: ${what(job)}${job.jitterMs ? `, jitter ${formatDuration(job.jitterMs)}` : ''}`];
  out.push(`# A run still going at the next time is skipped and recorded (schedule once takes the job's lock).`);
  if (job.timezone) {
    out.push(`# CRON_TZ sets the zone of the lines after it (cronie, busybox); crons without it use the system zone.`);
    out.push(`CRON_TZ=${job.timezone}`);
  }
  out.push(line);
  return out.join('\n') + '\n';
}

/** Kubernetes object names: lowercase DNS labels. */
export function k8sName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 52)
    .replace(/-+$/, '');
  return n || 'job';
}

/** Files the job reads, relative to the schedule's directory (what the ConfigMap must hold). */
export function jobFiles(schedule: Schedule, job: ScheduleJob): { key: string; rel: string; abs: string }[] {
  const files = [schedule.file, job.inventory, ...job.playbooks, ...job.varsFiles];
  const seen = new Set<string>();
  const out: { key: string; rel: string; abs: string }[] = [];
  for (const abs of files) {
    if (seen.has(abs)) continue;
    seen.add(abs);
    const rel = path.relative(schedule.dir, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new InputError(
        `job '${job.name}': ${abs} is outside the schedule file's directory; for --k8s-cronjob every file the job reads must be under ${schedule.dir} (they are shipped in one ConfigMap)`,
        job.pos,
      );
    }
    out.push({ key: rel.replace(/[^A-Za-z0-9._-]/g, '_'), rel, abs });
  }
  return out;
}

export function k8sCronJob(schedule: Schedule, job: ScheduleJob, opts: InstallOptions = {}): string {
  const schedule5 = classicCron(job, 'as a Kubernetes CronJob');
  const name = k8sName(`crane-fix-${job.name}`);
  const ns = opts.namespace ?? 'crane-fix';
  const files = jobFiles(schedule, job);
  const mountDir = '/etc/crane-fix';
  const journalDir = '/var/lib/crane-fix/runs';
  const configMap = `${name}-files`;
  const sshSecret = opts.sshSecret ?? 'crane-fix-ssh';
  const claim = opts.journalClaim ?? 'crane-fix-journal';
  const deadline = job.timeoutMs ? Math.ceil((job.timeoutMs + job.jitterMs) / 1000) + STOP_GRACE_S : undefined;
  const manifest = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/name': 'crane-fix', 'crane-fix/job': k8sName(job.name) } },
    spec: {
      schedule: schedule5,
      ...(job.timezone ? { timeZone: job.timezone } : {}),
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        spec: {
          // A failed remediation is looked at, not retried blindly.
          backoffLimit: 0,
          ...(deadline ? { activeDeadlineSeconds: deadline } : {}),
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'crane-fix', 'crane-fix/job': k8sName(job.name) } },
            spec: {
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: STOP_GRACE_S,
              containers: [
                {
                  name: 'crane-fix',
                  image: opts.image ?? 'crane-fix:0.1.0',
                  command: ['crane-fix'],
                  args: [
                    'schedule',
                    'once',
                    ...(job.jitterMs ? ['--jitter'] : []),
                    // Forbid is the overlap guard here; a lock on the shared volume would outlive a killed pod.
                    '--no-lock',
                    '--journal-dir',
                    journalDir,
                    `${mountDir}/${path.basename(schedule.file)}`,
                    job.name,
                  ],
                  volumeMounts: [
                    { name: 'files', mountPath: mountDir, readOnly: true },
                    { name: 'ssh', mountPath: '/root/.ssh', readOnly: true },
                    { name: 'journal', mountPath: journalDir },
                  ],
                },
              ],
              volumes: [
                { name: 'files', configMap: { name: configMap, items: files.map((f) => ({ key: f.key, path: f.rel })) } },
                { name: 'ssh', secret: { secretName: sshSecret, defaultMode: 0o400 } },
                { name: 'journal', persistentVolumeClaim: { claimName: claim } },
              ],
            },
          },
        },
      },
    },
  };
  const header = [
    `# crane-fix schedule job '${job.name}' from ${schedule.file}: ${what(job)}`,
    `# Runs \`crane-fix schedule once\` at ${schedule5}${job.timezone ? ` (${job.timezone})` : ' (the controller\'s zone)'}; concurrencyPolicy Forbid: never two runs at once.`,
    '# Before applying it, create (same namespace):',
    `#   kubectl -n ${ns} create configmap ${configMap} ${files.map((f) => `--from-file=${f.key}=${shQuote(f.abs)}`).join(' ')}`,
    `#   kubectl -n ${ns} create secret generic ${sshSecret} --from-file=id_ed25519=<private key> --from-file=known_hosts=<known_hosts>`,
    `#   a PersistentVolumeClaim ${claim} for the run journals (rollback needs them)`,
    '# The inventory must name the key and known_hosts under /root/.ssh as the pod sees them.',
    '',
  ];
  return header.join('\n') + stringify(manifest, { lineWidth: 0 });
}
