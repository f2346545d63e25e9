/** Scheduled maintenance jobs: schedule files, the scheduler, `schedule once`, install targets. */
export type { Schedule, ScheduleJob, JobMode } from './types.js';
export { loadSchedule, checkSchedule, planJob, destructiveReason, fixPlaybook } from './load.js';
export { nextFires, formatInZone, cronFields, cronPatternProblem, timezoneProblem, localTimezone, normalizePattern } from './cron.js';
export { parseDuration, formatDuration } from './duration.js';
export { runJob, worstExit, scheduleConsent, type JobRunResult, type JobRunOptions } from './runner.js';
export { Scheduler, type SchedulerDeps, type TickOutcome } from './scheduler.js';
export { ScheduleRecords, readScheduleEvents, scheduleEventsFile, type ScheduleEvent, type StoredScheduleEvent } from './records.js';
export { acquireJobLock, lockFile, type LockInfo, type JobLock } from './lock.js';
export { systemdUnits, crontabEntry, k8sCronJob, onCalendar, classicCron, formatSet, systemdQuote, shQuote, k8sName, jobFiles } from './install.js';
