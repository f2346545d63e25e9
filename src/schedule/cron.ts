/**
 * Cron patterns through croner: checking a pattern, next fire times in a job's time zone,
 * formatting a time in a zone, and the parsed fields the install targets (systemd, crontab,
 * Kubernetes) are generated from.
 *
 * Syntax is croner's: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds
 * first), names (JAN, MON), ranges, lists, steps, `L` (last day of month), `#n` (nth weekday)
 * and the nicknames @hourly @daily @weekly @monthly @yearly. Day-of-month and day-of-week
 * combine as in classic cron (either matches). Refused: `?` (croner substitutes the time the
 * pattern was read, not "any") and `W`.
 *
 * Daylight saving time (croner's behaviour, pinned by tests): a wall-clock time skipped when
 * clocks go forward fires one hour later that day (02:30 -> 03:30); a wall-clock time that
 * occurs twice when clocks go back fires once — at the first or the second occurrence
 * depending on the zone (Europe/Berlin: second, America/New_York: first) — so an hourly job
 * has one two-hour gap that night. Jobs that must be strictly periodic should use UTC.
 */
import { Cron, CronPattern } from 'croner';

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

/** A problem with the pattern itself (before time zones), or undefined. */
export function cronPatternProblem(pattern: string): string | undefined {
  const p = pattern.trim();
  if (!p) return 'empty cron pattern';
  if (p.startsWith('@')) return NICKNAMES[p.toLowerCase()] ? undefined : `unknown nickname ${p} (known: ${Object.keys(NICKNAMES).join(' ')})`;
  const fields = p.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `a cron pattern has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); this one has ${fields.length}`;
  }
  if (fields.some((f) => f.includes('?'))) return "'?' is not supported: croner replaces it with the time the file was read; use '*'";
  const dow = fields[fields.length - 1]!;
  if (/L/i.test(dow.replace(/#L/gi, ''))) return "'L' in day-of-week is ambiguous here; write the last weekday of a month as e.g. FRI#L";
  try {
    new CronPattern(normalizePattern(p));
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
  return undefined;
}

/** undefined when the zone is a valid IANA name (e.g. Europe/Berlin, UTC), else why not. */
export function timezoneProblem(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as UTC, Europe/Berlin, Asia/Shanghai)`;
  }
}

/** The machine's own zone, which croner uses when a job names none. */
export function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A paused croner job for a pattern: only used to compute times. */
export function cronFor(pattern: string, timezone?: string): Cron {
  return new Cron(normalizePattern(pattern), { paused: true, timezone, legacyMode: true });
}

/** Nicknames spelled out; surrounding blanks removed. */
export function normalizePattern(pattern: string): string {
  const p = pattern.trim();
  return NICKNAMES[p.toLowerCase()] ?? p;
}

/** The next `count` fire times strictly after `from`. */
export function nextFires(pattern: string, timezone: string | undefined, count: number, from: Date): Date[] {
  return cronFor(pattern, timezone).nextRuns(count, from);
}

/** `2024-03-31T03:30:00+02:00`: the wall-clock time in `tz` and its offset from UTC. */
export function formatInZone(d: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  const offMin = Math.round((wall - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  const off = offMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${off}`;
}

/** A pattern as plain value sets: what the install targets are generated from. */
export interface CronFields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** Days of month 1-31. */
  days: number[];
  /** `L`: the last day of the month (in addition to `days`). */
  lastDayOfMonth: boolean;
  /** 1-12. */
  months: number[];
  /** 0 (Sunday) - 6. */
  weekdays: number[];
  /** Day-of-month / day-of-week were `*`: classic cron ORs them when both are restricted. */
  starDom: boolean;
  starDow: boolean;
  /** Uses `#n` (nth weekday of the month), which systemd and classic cron cannot express. */
  nthWeekday: boolean;
}

const ANY_OCCURRENCE = 63;

export function cronFields(pattern: string): CronFields {
  const cp = new CronPattern(normalizePattern(pattern));
  const on = (a: number[], offset = 0) => a.flatMap((v, i) => (v ? [i + offset] : []));
  return {
    seconds: on(cp.second),
    minutes: on(cp.minute),
    hours: on(cp.hour),
    days: on(cp.day, 1),
    lastDayOfMonth: cp.lastDayOfMonth,
    months: on(cp.month, 1),
    weekdays: on(cp.dayOfWeek),
    starDom: cp.starDOM,
    starDow: cp.starDOW,
    nthWeekday: cp.dayOfWeek.some((v) => v !== 0 && v !== ANY_OCCURRENCE),
  };
}
