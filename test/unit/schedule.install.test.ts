/**
 * `schedule install`: systemd service + timer, crontab entry, Kubernetes CronJob — exact
 * outputs, what each target refuses, and (where systemd-analyze exists) proof that the
 * generated OnCalendar= lines fire exactly when croner — `schedule run` and `schedule list` —
 * does.
 */
import { describe, it, expect, vi, afterEach, onTestFinished } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Command } from 'commander';
import { loadSchedule } from '../../src/schedule/load.js';
import { nextFires } from '../../src/schedule/cron.js';
import { classicCron, crontabEntry, formatSet, k8sCronJob, k8sName, onCalendar, shQuote, systemdQuote, systemdUnits } from '../../src/schedule/install.js';
import type { ScheduleJob } from '../../src/schedule/types.js';
import { registerSchedule } from '../../src/cli/schedule.js';
import { PACKAGE_ROOT } from '../../src/engine/targets.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures', 'schedules');
const VALID = path.join(FIX, 'valid.yaml');
const schedule = loadSchedule(VALID, { deep: true });
const jobNamed = (n: string) => schedule.jobs.find((j) => j.name === n)!;

/** A job with just a pattern and zone, for the time conversions. */
function job(cron: string, timezone?: string, extra: Partial<ScheduleJob> = {}): ScheduleJob {
  return { ...jobNamed('trim-resolv'), name: 'x', cron, timezone, jitterMs: 0, timeoutMs: undefined, valuePos: { cron: { file: VALID, line: 4, col: 11 } }, ...extra };
}

describe('time conversions', () => {
  it('systemd OnCalendar= lines', () => {
    expect(onCalendar(job('0 3 * * *'))).toEqual(['*-*-* 03:00:00']);
    expect(onCalendar(job('0 3 * * *', 'Asia/Shanghai'))).toEqual(['*-*-* 03:00:00 Asia/Shanghai']);
    expect(onCalendar(job('*/15 * * * *'))).toEqual(['*-*-* *:00/15:00']);
    expect(onCalendar(job('*/2 * * * * *'))).toEqual(['*-*-* *:*:00/2']);
    expect(onCalendar(job('30 4 * * MON-FRI', 'Europe/Berlin'))).toEqual(['Mon..Fri *-*-* 04:30:00 Europe/Berlin']);
    expect(onCalendar(job('5 4 * * SUN,SAT'))).toEqual(['Sun,Sat *-*-* 04:05:00']);
    expect(onCalendar(job('15 10 * 1,4,7,10 *'))).toEqual(['*-01/3-* 10:15:00']);
    expect(onCalendar(job('0 12 1-7,15 * *'))).toEqual(['*-*-01..07,15 12:00:00']);
    expect(onCalendar(job('0 0 L * *'))).toEqual(['*-*~01 00:00:00']);
    expect(onCalendar(job('0 0 1,L * *'))).toEqual(['*-*-01 00:00:00', '*-*~01 00:00:00']);
    // Both day fields restricted: classic cron ORs them; systemd ANDs the parts of one line, so two lines.
    expect(onCalendar(job('0 */15 9-17 1,15 * MON-FRI'))).toEqual(['*-*-01,15 09..17:00/15:00', 'Mon..Fri *-*-* 09..17:00/15:00']);
    expect(onCalendar(job('@weekly'))).toEqual(['Sun *-*-* 00:00:00']);
    expect(() => onCalendar(job('0 0 * * FRI#2'))).toThrow(`${VALID}:4:11: job 'x' (cron "0 0 * * FRI#2") cannot be installed as a systemd timer: systemd calendar events have no 'nth weekday of the month' (#n)`);
  });

  it('the five classic fields (crontab, Kubernetes)', () => {
    expect(classicCron(job('0 3 * * *'), 'in a crontab')).toBe('0 3 * * *');
    expect(classicCron(job('@hourly'), 'in a crontab')).toBe('0 * * * *');
    expect(classicCron(job('0 */15 9-17 1,15 * MON-FRI'), 'in a crontab')).toBe('*/15 9-17 1,15 * 1-5');
    expect(classicCron(job('10-50/20 * * * *'), 'in a crontab')).toBe('10-59/20 * * * *');
    expect(classicCron(job('5/20 * * * *'), 'in a crontab')).toBe('5-59/20 * * * *');
    // A restricted day field stays restricted even when it lists every value: it changes how the two combine.
    expect(classicCron(job('0 0 1-31 * MON'), 'in a crontab')).toBe('0 0 1-31 * 1');
    expect(() => classicCron(job('*/2 * * * * *'), 'in a crontab')).toThrow(/cannot be installed in a crontab: it fires at seconds other than :00/);
    expect(() => classicCron(job('0 0 L * *'), 'as a Kubernetes CronJob')).toThrow(/cannot be installed as a Kubernetes CronJob: cron has no 'last day of the month' \(L\)/);
    expect(() => classicCron(job('0 0 * * FRI#L'), 'in a crontab')).toThrow(/#n/);
  });

  it('value sets', () => {
    const sd = { range: '..', pad: true, star: '*' };
    expect(formatSet([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23], 0, 23, sd)).toBe('*');
    expect(formatSet([1, 2, 3, 7, 9, 10], 0, 23, sd)).toBe('01..03,07,09,10');
    expect(formatSet([3, 13, 23], 0, 23, sd)).toBe('03/10');
    expect(formatSet([3, 13], 0, 23, sd)).toBe('03,13');
  });

  const analyze = '/usr/bin/systemd-analyze';
  it.skipIf(!fs.existsSync(analyze))('systemd fires the generated lines exactly when croner does (systemd-analyze calendar)', () => {
    const cases: [string, string | undefined, string][] = [
      ['0 3 * * *', undefined, '2024-01-10T00:00:00Z'],
      ['*/15 * * * *', undefined, '2024-01-10T23:20:00Z'],
      ['*/2 * * * * *', undefined, '2024-01-10T23:59:55Z'],
      ['0 */15 9-17 1,15 * MON-FRI', undefined, '2024-02-27T00:00:00Z'],
      ['30 4 * * MON-FRI', 'Europe/Berlin', '2024-07-01T00:00:00Z'],
      ['0 22 * * 1-5', 'Asia/Shanghai', '2024-07-04T00:00:00Z'],
      ['0 0 L * *', undefined, '2024-01-15T00:00:00Z'],
      ['0 0 1,L * *', 'America/New_York', '2024-01-15T00:00:00Z'],
      ['0 0 13 * FRI', undefined, '2024-09-01T00:00:00Z'],
      ['15 10 * 1,4,7,10 *', undefined, '2024-02-01T00:00:00Z'],
      ['10-50/20 6,18 * * SAT,SUN', 'Australia/Sydney', '2024-06-01T00:00:00Z'],
      ['@weekly', undefined, '2024-01-15T00:00:00Z'],
    ];
    const N = 8;
    for (const [cron, tz, from] of cases) {
      const j = job(cron, tz);
      const want = nextFires(cron, tz, N, new Date(from)).map((d) => d.toISOString());
      const got = new Set<string>();
      for (const expr of onCalendar(j)) {
        // Same local zone as croner (jobs without a zone use it); times read from the UTC lines.
        const out = execFileSync(analyze, ['calendar', `--iterations=${N}`, `--base-time=@${Date.parse(from) / 1000}`, expr], { env: { ...process.env, SYSTEMD_COLORS: '0' }, encoding: 'utf8' });
        const times: string[] = [];
        for (const line of out.split('\n')) {
          const m = /(Next elapse|Iter\. #\d+|\(in UTC\)): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+)/.exec(line);
          if (!m) continue;
          const utc = m[3] === 'UTC' ? new Date(`${m[2]!.replace(' ', 'T')}Z`).toISOString() : undefined;
          if (m[1] === '(in UTC)') times[times.length - 1] = utc!;
          else times.push(utc ?? 'local');
        }
        for (const t of times) got.add(t);
      }
      expect([...got].sort().slice(0, N), `${cron} ${tz ?? ''}: ${onCalendar(j).join(' | ')}`).toEqual(want);
    }
  });
});

describe('install outputs', () => {
  const cmd = ['/usr/bin/node', '/opt/crane fix/dist/cli/main.js'];

  it('systemd: a oneshot service running `schedule once` and its timer', () => {
    const u = systemdUnits(schedule, jobNamed('trim-resolv'), { command: cmd, journalDir: '/var/lib/crane-fix/runs' });
    expect(u.name).toBe('crane-fix-trim-resolv');
    expect(u.service).toContain('\n[Service]\nType=oneshot\n');
    expect(u.service).toContain(`\nExecStart=/usr/bin/node "/opt/crane fix/dist/cli/main.js" schedule once --journal-dir /var/lib/crane-fix/runs ${VALID} trim-resolv\n`);
    expect(u.service).toContain('\nKillSignal=SIGTERM\nTimeoutStopSec=120\nTimeoutStartSec=1920\n');
    expect(u.timer).toContain('\n[Timer]\nOnCalendar=*-*-* 03:00:00 Asia/Shanghai\nAccuracySec=1s\nRandomizedDelaySec=300\nPersistent=false\nUnit=crane-fix-trim-resolv.service\n');
    expect(u.timer).toContain('\n[Install]\nWantedBy=timers.target\n');
    // systemd's own jitter: `schedule once` is not asked to wait too.
    expect(u.service).not.toContain('--jitter');
    const plain = systemdUnits(schedule, jobNamed('drop-caches'));
    expect(plain.service).toContain(`ExecStart=${process.execPath} ${path.join(PACKAGE_ROOT, 'dist', 'bin', 'crane-fix.js')} schedule once ${VALID} drop-caches\n`);
    expect(plain.service).toContain('TimeoutStartSec=infinity');
    expect(plain.timer).not.toContain('RandomizedDelaySec');
  });

  it('systemd ExecStart quoting: spaces, quotes, % and $', () => {
    expect(systemdQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdQuote('/srv/my schedules/x.yaml')).toBe('"/srv/my schedules/x.yaml"');
    expect(systemdQuote('50%')).toBe('50%%');
    expect(systemdQuote('a"b$c')).toBe('"a\\"b$$c"');
  });

  it.skipIf(!fs.existsSync('/usr/bin/systemd-analyze'))('systemd-analyze verify accepts the units', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'units-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const u = systemdUnits(schedule, jobNamed('trim-resolv'), { command: ['/bin/true'] });
    fs.writeFileSync(path.join(dir, `${u.name}.service`), u.service);
    fs.writeFileSync(path.join(dir, `${u.name}.timer`), u.timer);
    const verify = (files: string[]) =>
      spawnSync('/usr/bin/systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' } });
    // Without systemd as PID 1 verify may complain about the environment; never about our keys.
    const bad = /Unknown (key|section)|Failed to parse|Invalid|bad-setting/i;
    const r = verify([path.join(dir, `${u.name}.timer`), path.join(dir, `${u.name}.service`)]);
    expect(r.stdout + r.stderr).not.toMatch(bad);
    // The check itself can fail: a unit with a key systemd does not know.
    fs.writeFileSync(path.join(dir, 'bogus.service'), u.service.replace('Type=oneshot', 'Type=oneshot\nBogusKey=1'));
    const b = verify([path.join(dir, 'bogus.service')]);
    expect(b.stdout + b.stderr).toMatch(bad);
  });

  it('crontab: an entry that runs `schedule once --jitter`, its zone, % escaped', () => {
    const e = crontabEntry(schedule, jobNamed('trim-resolv'), { command: cmd });
    expect(e).toBe(
      `# crane-fix schedule job 'trim-resolv' from ${VALID}: apply resolv-conf-trim, jitter 5m\n` +
        "# A run still going at the next time is skipped and recorded (schedule once takes the job's lock).\n" +
        '# CRON_TZ sets the zone of the lines after it (cronie, busybox); crons without it use the system zone.\n' +
        'CRON_TZ=Asia/Shanghai\n' +
        `0 3 * * * /usr/bin/node '/opt/crane fix/dist/cli/main.js' schedule once --jitter ${VALID} trim-resolv\n`,
    );
    const pct = crontabEntry(schedule, jobNamed('drop-caches'), { command: ['/opt/100%/crane-fix'], journalDir: '/j' });
    expect(pct.split('\n').at(-2)).toBe(`30 4 * * 1-5 '/opt/100\\%/crane-fix' schedule once --journal-dir /j ${VALID} drop-caches`);
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(() => crontabEntry(schedule, jobNamed('slow'))).toThrow(/cannot be installed in a crontab: it fires at seconds other than :00/);
  });

  it('Kubernetes: a CronJob with concurrencyPolicy Forbid running `schedule once` on the shipped files', () => {
    const text = k8sCronJob(schedule, jobNamed('trim-resolv'), { image: 'registry.local/crane-fix:1', namespace: 'ops' });
    expect(text).toMatch(/^# crane-fix schedule job 'trim-resolv'/);
    expect(text).toContain(`#   kubectl -n ops create configmap crane-fix-trim-resolv-files --from-file=valid.yaml=${VALID} --from-file=inventory.ini=${path.join(FIX, 'inventory.ini')}\n`);
    const m = parseYaml(text);
    expect(m).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'crane-fix-trim-resolv', namespace: 'ops' },
      spec: { schedule: '0 3 * * *', timeZone: 'Asia/Shanghai', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { backoffLimit: 0, activeDeadlineSeconds: 1800 + 300 + 120 } } },
    });
    const pod = m.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].image).toBe('registry.local/crane-fix:1');
    expect(pod.containers[0].command).toEqual(['crane-fix']);
    expect(pod.containers[0].args).toEqual(['schedule', 'once', '--jitter', '--no-lock', '--journal-dir', '/var/lib/crane-fix/runs', '/etc/crane-fix/valid.yaml', 'trim-resolv']);
    expect(pod.volumes[0].configMap.items).toEqual([
      { key: 'valid.yaml', path: 'valid.yaml' },
      { key: 'inventory.ini', path: 'inventory.ini' },
    ]);
    // Playbooks keep their relative paths in the mounted directory.
    const slow = parseYaml(k8sCronJob(schedule, { ...jobNamed('slow'), cron: '*/5 * * * *' }));
    expect(slow.spec.jobTemplate.spec.template.spec.volumes[0].configMap.items).toContainEqual({ key: 'playbooks_slow.yaml', path: 'playbooks/slow.yaml' });
    expect(slow.spec.timeZone).toBeUndefined();
    expect(slow.spec.jobTemplate.spec.activeDeadlineSeconds).toBeUndefined();
  });

  it('Kubernetes names and files outside the schedule directory', () => {
    expect(k8sName('crane-fix-Nightly_DNS.v2')).toBe('crane-fix-nightly-dns-v2');
    const outside = { ...jobNamed('drop-caches'), inventory: '/etc/ansible/hosts' };
    expect(() => k8sCronJob(schedule, outside)).toThrow(/\/etc\/ansible\/hosts is outside the schedule file's directory/);
  });
});

describe('crane-fix schedule install (command)', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(args: string[]): Promise<string> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    const program = new Command().exitOverride();
    registerSchedule(program);
    await program.parseAsync(['node', 'crane-fix', 'schedule', 'install', ...args]);
    return out;
  }

  it('prints one target; exactly one must be chosen', async () => {
    expect(await run([VALID, 'drop-caches', '--cron', '--bin', '/usr/local/bin/crane-fix'])).toMatch(/\n30 4 \* \* 1-5 \/usr\/local\/bin\/crane-fix schedule once .*valid\.yaml drop-caches\n$/);
    expect(await run([VALID, 'drop-caches', '--systemd'])).toContain('OnCalendar=Mon..Fri *-*-* 04:30:00 Europe/Berlin');
    await expect(run([VALID, 'drop-caches'])).rejects.toThrow('schedule install: choose exactly one of --systemd, --cron, --k8s-cronjob');
    await expect(run([VALID, 'drop-caches', '--cron', '--systemd'])).rejects.toThrow(/exactly one/);
    await expect(run([VALID, 'nope', '--cron'])).rejects.toThrow(/no job named "nope"/);
  });

  it('refuses to install a job that is not valid (destructive)', async () => {
    await expect(run([path.join(FIX, 'bad', 'destructive.yaml'), 'mkfs', '--systemd'])).rejects.toThrow(/destructive\.yaml:13:9: job 'mkfs': fix 'xfs-ftype' is destructive/);
  });
});
