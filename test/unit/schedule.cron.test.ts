/**
 * Next fire times from fixed instants: plain patterns, seconds, time zones, daylight saving
 * time (both directions, both hemispheres' rules), classic cron's day-of-month OR
 * day-of-week, `L`, `#n`, nicknames; and the `schedule list` command's output.
 */
import { describe, it, expect, vi, afterEach } from 'vitest';
import * as path from 'node:path';
import { Command } from 'commander';
import { nextFires, formatInZone, cronFields, cronPatternProblem, timezoneProblem } from '../../src/schedule/cron.js';
import { parseDuration, formatDuration } from '../../src/schedule/duration.js';
import { registerSchedule } from '../../src/cli/schedule.js';

const iso = (pattern: string, tz: string | undefined, from: string, n = 4) => nextFires(pattern, tz, n, new Date(from)).map((d) => d.toISOString());
const local = (pattern: string, tz: string, from: string, n = 4) => nextFires(pattern, tz, n, new Date(from)).map((d) => formatInZone(d, tz));

describe('next fire times', () => {
  it('plain daily and every-15-minutes patterns in UTC, strictly after the start instant', () => {
    expect(iso('0 3 * * *', 'UTC', '2024-01-01T03:00:00Z', 3)).toEqual(['2024-01-02T03:00:00.000Z', '2024-01-03T03:00:00.000Z', '2024-01-04T03:00:00.000Z']);
    expect(iso('*/15 * * * *', 'UTC', '2024-01-01T23:40:00Z', 3)).toEqual(['2024-01-01T23:45:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-02T00:15:00.000Z']);
  });

  it('six fields: seconds first', () => {
    expect(iso('*/2 * * * * *', 'UTC', '2024-01-01T00:00:59Z', 3)).toEqual(['2024-01-01T00:01:00.000Z', '2024-01-01T00:01:02.000Z', '2024-01-01T00:01:04.000Z']);
    expect(iso('30 0 12 * * *', 'UTC', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-01T12:00:30.000Z']);
  });

  it("honours the job's time zone", () => {
    // Shanghai is UTC+8 all year: 03:00 there is 19:00Z the day before.
    expect(iso('0 3 * * *', 'Asia/Shanghai', '2024-06-01T00:00:00Z', 2)).toEqual(['2024-06-01T19:00:00.000Z', '2024-06-02T19:00:00.000Z']);
    expect(local('0 3 * * *', 'Asia/Shanghai', '2024-06-01T00:00:00Z', 1)).toEqual(['2024-06-02T03:00:00+08:00']);
    // Weekdays are the zone's weekdays: Monday 09:00 in Shanghai is Monday 01:00Z.
    expect(iso('0 9 * * MON', 'Asia/Shanghai', '2024-03-31T00:30:00Z', 2)).toEqual(['2024-04-01T01:00:00.000Z', '2024-04-08T01:00:00.000Z']);
    // Half-hour zone.
    expect(local('0 0 * * *', 'Asia/Kolkata', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-02T00:00:00+05:30']);
    expect(iso('0 0 * * *', 'Asia/Kolkata', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-01T18:30:00.000Z']);
  });

  it('DST starts (Europe/Berlin, 2024-03-31 02:00 -> 03:00): a skipped wall-clock time fires one hour later, once', () => {
    expect(local('30 2 * * *', 'Europe/Berlin', '2024-03-29T12:00:00Z', 4)).toEqual([
      '2024-03-30T02:30:00+01:00',
      '2024-03-31T03:30:00+02:00',
      '2024-04-01T02:30:00+02:00',
      '2024-04-02T02:30:00+02:00',
    ]);
    // Hourly jobs lose no real hour: 01:00 CET, then 03:00 CEST (02:00 does not exist).
    expect(iso('0 * * * *', 'Europe/Berlin', '2024-03-30T23:30:00Z', 3)).toEqual(['2024-03-31T00:00:00.000Z', '2024-03-31T01:00:00.000Z', '2024-03-31T02:00:00.000Z']);
  });

  it('DST ends (Europe/Berlin, 2024-10-27 03:00 -> 02:00): a repeated wall-clock time fires once (here at its second occurrence)', () => {
    expect(local('30 2 * * *', 'Europe/Berlin', '2024-10-26T12:00:00Z', 3)).toEqual(['2024-10-27T02:30:00+01:00', '2024-10-28T02:30:00+01:00', '2024-10-29T02:30:00+01:00']);
    expect(iso('30 2 * * *', 'Europe/Berlin', '2024-10-26T12:00:00Z', 1)).toEqual(['2024-10-27T01:30:00.000Z']);
    // So an hourly job has one two-hour gap that night (02:00 CEST is not fired; 02:00 CET is).
    expect(local('0 * * * *', 'Europe/Berlin', '2024-10-26T22:30:00Z', 3)).toEqual(['2024-10-27T01:00:00+02:00', '2024-10-27T02:00:00+01:00', '2024-10-27T03:00:00+01:00']);
  });

  it('DST in the US (America/New_York, 2024-03-10 and 2024-11-03): same rules, but croner takes the FIRST of two repeated times here', () => {
    expect(local('30 2 * * *', 'America/New_York', '2024-03-09T12:00:00Z', 2)).toEqual(['2024-03-10T03:30:00-04:00', '2024-03-11T02:30:00-04:00']);
    expect(local('30 1 * * *', 'America/New_York', '2024-11-02T12:00:00Z', 2)).toEqual(['2024-11-03T01:30:00-04:00', '2024-11-04T01:30:00-05:00']);
    expect(local('0 * * * *', 'America/New_York', '2024-11-03T04:30:00Z', 3)).toEqual(['2024-11-03T01:00:00-04:00', '2024-11-03T02:00:00-05:00', '2024-11-03T03:00:00-05:00']);
  });

  it('DST in the southern hemisphere (Australia/Sydney ends 2024-04-07, starts 2024-10-06)', () => {
    expect(local('30 2 * * *', 'Australia/Sydney', '2024-04-05T12:00:00Z', 2)).toEqual(['2024-04-06T02:30:00+11:00', '2024-04-07T02:30:00+10:00']);
    expect(local('30 2 * * *', 'Australia/Sydney', '2024-10-05T12:00:00Z', 2)).toEqual(['2024-10-06T03:30:00+11:00', '2024-10-07T02:30:00+11:00']);
  });

  it('UTC never shifts: a job without DST surprises runs every hour', () => {
    expect(iso('0 * * * *', 'UTC', '2024-10-26T23:30:00Z', 3)).toEqual(['2024-10-27T00:00:00.000Z', '2024-10-27T01:00:00.000Z', '2024-10-27T02:00:00.000Z']);
  });

  it('day-of-month and day-of-week both restricted: either matches (classic cron)', () => {
    expect(iso('0 0 13 * FRI', 'UTC', '2024-09-01T00:00:00Z', 6)).toEqual([
      '2024-09-06T00:00:00.000Z',
      '2024-09-13T00:00:00.000Z', // Friday the 13th once
      '2024-09-20T00:00:00.000Z',
      '2024-09-27T00:00:00.000Z',
      '2024-10-04T00:00:00.000Z',
      '2024-10-11T00:00:00.000Z',
    ]);
    expect(iso('0 0 13 * FRI', 'UTC', '2024-10-11T00:00:00Z', 2)).toEqual(['2024-10-13T00:00:00.000Z', '2024-10-18T00:00:00.000Z']);
  });

  it('L (last day of the month, leap years) and #n (nth weekday)', () => {
    expect(iso('0 0 L * *', 'UTC', '2024-01-15T00:00:00Z', 3)).toEqual(['2024-01-31T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z']);
    expect(iso('0 0 L 2 *', 'UTC', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-02-28T00:00:00.000Z']);
    expect(iso('0 0 * * FRI#2', 'UTC', '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-12T00:00:00.000Z', '2024-02-09T00:00:00.000Z']);
    expect(iso('0 0 * * FRI#L', 'UTC', '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-26T00:00:00.000Z', '2024-02-23T00:00:00.000Z']);
  });

  it('nicknames', () => {
    expect(iso('@daily', 'UTC', '2024-01-15T10:00:00Z', 1)).toEqual(['2024-01-16T00:00:00.000Z']);
    expect(iso('@hourly', 'UTC', '2024-01-15T10:00:00Z', 1)).toEqual(['2024-01-15T11:00:00.000Z']);
    expect(iso('@weekly', 'UTC', '2024-01-15T10:00:00Z', 1)).toEqual(['2024-01-21T00:00:00.000Z']); // Sunday
    expect(iso('@monthly', 'UTC', '2024-01-15T10:00:00Z', 1)).toEqual(['2024-02-01T00:00:00.000Z']);
    expect(iso('@yearly', 'UTC', '2024-01-15T10:00:00Z', 1)).toEqual(['2025-01-01T00:00:00.000Z']);
  });

  it('a pattern that never fires gives no times', () => {
    expect(iso('0 0 30 2 *', 'UTC', '2024-01-01T00:00:00Z')).toEqual([]);
  });
});

describe('patterns, zones and durations', () => {
  it('parses into value sets (what install targets are generated from)', () => {
    expect(cronFields('0 */15 9-17 1,15 * MON-FRI')).toEqual({
      seconds: [0],
      minutes: [0, 15, 30, 45],
      hours: [9, 10, 11, 12, 13, 14, 15, 16, 17],
      days: [1, 15],
      lastDayOfMonth: false,
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      weekdays: [1, 2, 3, 4, 5],
      starDom: false,
      starDow: false,
      nthWeekday: false,
    });
    expect(cronFields('0 0 * * 0,7').weekdays).toEqual([0]);
    expect(cronFields('0 0 L * *')).toMatchObject({ days: [], lastDayOfMonth: true, starDom: false });
    expect(cronFields('0 0 * * FRI#2').nthWeekday).toBe(true);
  });

  it('refuses what croner would misread', () => {
    expect(cronPatternProblem('0 3 * * *')).toBeUndefined();
    expect(cronPatternProblem('0 0 ? * *')).toMatch(/'\?' is not supported/);
    expect(cronPatternProblem('0 0 * * 5L')).toMatch(/FRI#L/);
    expect(cronPatternProblem('1 2 3')).toMatch(/this one has 3/);
    expect(cronPatternProblem('0 0 1W * *')).toMatch(/illegal characters/);
    expect(cronPatternProblem('')).toBe('empty cron pattern');
  });

  it('time zones are IANA names', () => {
    expect(timezoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timezoneProblem('UTC')).toBeUndefined();
    expect(timezoneProblem('CEST+2')).toMatch(/unknown time zone "CEST\+2"/);
  });

  it('formats instants in a zone with the offset in effect then', () => {
    const d = new Date('2024-07-01T12:00:00Z');
    expect(formatInZone(d, 'UTC')).toBe('2024-07-01T12:00:00Z');
    expect(formatInZone(d, 'Europe/Berlin')).toBe('2024-07-01T14:00:00+02:00');
    expect(formatInZone(new Date('2024-01-01T12:00:00Z'), 'Europe/Berlin')).toBe('2024-01-01T13:00:00+01:00');
    expect(formatInZone(d, 'America/St_Johns')).toBe('2024-07-01T09:30:00-02:30');
    expect(formatInZone(new Date('2024-01-01T00:00:00Z'), 'Pacific/Chatham')).toBe('2024-01-01T13:45:00+13:45');
  });

  it('durations', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0.5s')).toBe(500);
    for (const bad of ['soon', '5 m', '-1', '1y', '', true, null, -3]) expect(parseDuration(bad), String(bad)).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(1500)).toBe('1s500ms');
  });
});

describe('crane-fix schedule list', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(args: string[]): Promise<string> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out += a.join(' ') + '\n';
    });
    const program = new Command().exitOverride();
    registerSchedule(program);
    await program.parseAsync(['node', 'crane-fix', 'schedule', ...args]);
    return out;
  }

  const FILE = path.resolve(import.meta.dirname, '..', 'fixtures', 'schedules', 'valid.yaml');

  it("prints each job's next times in its zone and in UTC", async () => {
    const out = await run(['list', FILE, '-n', '2', '--from', '2024-03-30T12:00:00Z', '--job', 'drop-caches']);
    expect(out).toBe(
      'drop-caches  30 4 * * MON-FRI  (Europe/Berlin)  apply\n' +
        '  2024-04-01T04:30:00+02:00  2024-04-01T02:30:00.000Z\n' +
        '  2024-04-02T04:30:00+02:00  2024-04-02T02:30:00.000Z\n',
    );
  });

  it('--json: every job', async () => {
    const rows = JSON.parse(await run(['list', FILE, '-n', '1', '--from', '2024-03-30T12:00:00Z', '--json']));
    expect(rows.map((r: { name: string }) => r.name)).toEqual(['trim-resolv', 'dns-check', 'drop-caches', 'slow']);
    expect(rows[0]).toEqual({ name: 'trim-resolv', cron: '0 3 * * *', timezone: 'Asia/Shanghai', mode: 'apply', next: [{ local: '2024-03-31T03:00:00+08:00', utc: '2024-03-30T19:00:00.000Z' }] });
    expect(rows[3].next).toEqual([{ local: expect.stringMatching(/^2024-03-3\dT\d\d:\d\d:02/), utc: '2024-03-30T12:00:02.000Z' }]);
  });

  it('a bad --from is an input error', async () => {
    await expect(run(['list', FILE, '--from', 'tomorrow'])).rejects.toThrow('--from: expects an ISO date-time');
  });
});
