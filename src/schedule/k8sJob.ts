/**
 * `crane-fix schedule install <file> <job> --k8s-job --shards n`: a Kubernetes Indexed Job
 * (and/or a CronJob creating one) whose n pods each run one shard of the job:
 * `crane-fix schedule once --shard $((JOB_COMPLETION_INDEX+1))/n` — the pod's completion
 * index is 0-based, --shard is 1-based. `schedule once` rather than bare `apply`: it keeps the
 * schedule's consent rule (irreversible steps allowed, destructive ones never) and its check
 * mode; the engine run and its journal are apply's, shard recorded.
 *
 * Files: the schedule file and every file the job reads come from one ConfigMap (as for
 * --k8s-cronjob); known_hosts from a ConfigMap of its own (public data, passed with
 * --known-hosts); the SSH private key from a Secret mounted read-only with mode 0400 at
 * /root/.ssh — only its path is ever in the pod spec, never its bytes (no env, no args).
 * Journals go to a PersistentVolumeClaim, in a directory per Job (the Job's name, from the
 * downward API), so `crane-fix runs merge <that dir>` shows exactly that Job's shards.
 *
 * Failure: `backoffLimitPerIndex: 0` — a shard that fails is not retried blindly (a failed
 * remediation is looked at), and, unlike `backoffLimit`, does not stop the other shards.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import { MAX_SHARDS } from '../inventory/shard.js';
import { STOP_GRACE_S, classicCron, jobFiles, k8sName, shQuote } from './install.js';
import type { Schedule, ScheduleJob } from './types.js';
// Types only (erased from the build; kubernetes-models is a dev dependency): the manifests'
// literals are checked against the Kubernetes API's types, a misspelt field included.
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';

export interface K8sJobOptions {
  shards: number;
  /** Pods at once (default: all shards). */
  parallelism?: number;
  kind?: 'job' | 'cronjob' | 'both';
  /** CronJob schedule (5 fields); default: the job's own cron. */
  schedule?: string;
  image?: string;
  namespace?: string;
  sshSecret?: string;
  knownHostsConfigMap?: string;
  journalClaim?: string;
}

export const FILES_DIR = '/etc/crane-fix';
export const KNOWN_HOSTS_DIR = '/etc/crane-fix-known-hosts';
export const SSH_DIR = '/root/.ssh';
export const JOURNAL_ROOT = '/var/lib/crane-fix/runs';

/** The shell line each pod runs (sh: Kubernetes' $(VAR) expansion has no arithmetic). */
export function shardCommand(schedule: Schedule, job: ScheduleJob, shards: number): string {
  return [
    'exec crane-fix schedule once',
    `--shard "$((JOB_COMPLETION_INDEX + 1))/${shards}"`,
    // The Job's pods are its overlap guard (CronJob: concurrencyPolicy Forbid); a lock on the
    // shared volume would outlive a killed pod.
    '--no-lock',
    ...(job.jitterMs ? ['--jitter'] : []),
    `--known-hosts ${KNOWN_HOSTS_DIR}/known_hosts`,
    `--journal-dir "${JOURNAL_ROOT}/$CRANE_FIX_K8S_JOB"`,
    shQuote(`${FILES_DIR}/${path.basename(schedule.file)}`),
    shQuote(job.name),
  ].join(' ');
}

function checkOptions(job: ScheduleJob, o: K8sJobOptions): void {
  if (!Number.isInteger(o.shards) || o.shards < 1 || o.shards > MAX_SHARDS) throw new InputError(`expects a whole number from 1 to ${MAX_SHARDS}, got ${o.shards}`, { flag: '--shards' });
  if (o.parallelism !== undefined && (!Number.isInteger(o.parallelism) || o.parallelism < 1 || o.parallelism > o.shards)) {
    throw new InputError(`expects a whole number from 1 to --shards (${o.shards}), got ${o.parallelism}`, { flag: '--parallelism' });
  }
  if (o.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.namespace)) throw new InputError(`not a Kubernetes namespace name (a DNS label), got ${JSON.stringify(o.namespace)}`, { flag: '--namespace' });
  if (o.image !== undefined && (!o.image.trim() || /\s/.test(o.image))) throw new InputError(`not an image reference, got ${JSON.stringify(o.image)}`, { flag: '--image' });
  void job;
}

/** The Indexed Job's spec (also a CronJob's jobTemplate.spec). */
function jobSpec(schedule: Schedule, job: ScheduleJob, o: K8sJobOptions, name: string): IJobSpec {
  const files = jobFiles(schedule, job);
  const labels = { 'app.kubernetes.io/name': 'crane-fix', 'crane-fix/job': k8sName(job.name) };
  const deadline = job.timeoutMs ? Math.ceil((job.timeoutMs + job.jitterMs) / 1000) + STOP_GRACE_S : undefined;
  return {
    completionMode: 'Indexed',
    completions: o.shards,
    parallelism: o.parallelism ?? o.shards,
    backoffLimitPerIndex: 0,
    // Every index may fail on its own; the Job as a whole fails only when they all did.
    maxFailedIndexes: o.shards,
    ...(deadline ? { activeDeadlineSeconds: deadline } : {}),
    template: {
      metadata: { labels },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: STOP_GRACE_S,
        containers: [
          {
            name: 'crane-fix',
            image: o.image ?? 'crane-fix:0.1.0',
            command: ['sh', '-c', shardCommand(schedule, job, o.shards)],
            env: [
              // The Job's name (a CronJob's Jobs each have their own): one journal directory per Job.
              { name: 'CRANE_FIX_K8S_JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
            ],
            volumeMounts: [
              { name: 'files', mountPath: FILES_DIR, readOnly: true },
              { name: 'known-hosts', mountPath: KNOWN_HOSTS_DIR, readOnly: true },
              { name: 'ssh-key', mountPath: SSH_DIR, readOnly: true },
              { name: 'journal', mountPath: JOURNAL_ROOT },
            ],
          },
        ],
        volumes: [
          { name: 'files', configMap: { name: `${name}-files`, items: files.map((f) => ({ key: f.key, path: f.rel })) } },
          { name: 'known-hosts', configMap: { name: o.knownHostsConfigMap ?? 'crane-fix-known-hosts', items: [{ key: 'known_hosts', path: 'known_hosts' }] } },
          { name: 'ssh-key', secret: { secretName: o.sshSecret ?? 'crane-fix-ssh', defaultMode: 0o400, items: [{ key: 'id_ed25519', path: 'id_ed25519', mode: 0o400 }] } },
          { name: 'journal', persistentVolumeClaim: { claimName: o.journalClaim ?? 'crane-fix-journal' } },
        ],
      },
    },
  };
}

/** The manifests as objects (what the tests validate against the Kubernetes schema). */
export function k8sShardManifests(schedule: Schedule, job: ScheduleJob, o: K8sJobOptions): (IJob | ICronJob)[] {
  checkOptions(job, o);
  const name = k8sName(`crane-fix-${job.name}`);
  const ns = o.namespace ?? 'crane-fix';
  const labels = { 'app.kubernetes.io/name': 'crane-fix', 'crane-fix/job': k8sName(job.name) };
  const kind = o.kind ?? 'both';
  const out: (IJob | ICronJob)[] = [];
  if (kind !== 'cronjob') {
    out.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${name}-shards`, namespace: ns, labels }, spec: jobSpec(schedule, job, o, name) });
  }
  if (kind !== 'job') {
    const cron = o.schedule ?? classicCron(job, 'as a Kubernetes CronJob');
    if (o.schedule !== undefined && !/^\S+( \S+){4}$/.test(o.schedule.trim())) throw new InputError(`expects 5 cron fields (minute hour day-of-month month day-of-week), got ${JSON.stringify(o.schedule)}`, { flag: '--schedule' });
    out.push({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace: ns, labels },
      spec: {
        schedule: cron.trim(),
        ...(job.timezone ? { timeZone: job.timezone } : {}),
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 300,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        jobTemplate: { metadata: { labels }, spec: jobSpec(schedule, job, o, name) },
      },
    });
  }
  return out;
}

export function k8sShardJob(schedule: Schedule, job: ScheduleJob, o: K8sJobOptions): string {
  const manifests = k8sShardManifests(schedule, job, o);
  const name = k8sName(`crane-fix-${job.name}`);
  const ns = o.namespace ?? 'crane-fix';
  const files = jobFiles(schedule, job);
  const header = [
    `# crane-fix schedule job '${job.name}' from ${schedule.file}, split into ${o.shards} shard(s): pod i runs shard i+1/${o.shards} (docs/shard.md)`,
    '# Before applying it, create (same namespace):',
    `#   kubectl -n ${ns} create configmap ${name}-files ${files.map((f) => `--from-file=${f.key}=${shQuote(f.abs)}`).join(' ')}`,
    `#   kubectl -n ${ns} create configmap ${o.knownHostsConfigMap ?? 'crane-fix-known-hosts'} --from-file=known_hosts=<known_hosts>`,
    `#   kubectl -n ${ns} create secret generic ${o.sshSecret ?? 'crane-fix-ssh'} --from-file=id_ed25519=<private key>`,
    `#   a PersistentVolumeClaim ${o.journalClaim ?? 'crane-fix-journal'} for the run journals (ReadWriteMany when the pods may land on different nodes)`,
    `# The inventory must name the key as ${SSH_DIR}/id_ed25519 (or leave it out: that is the default key).`,
    `# A Job's shards, as one run: crane-fix runs merge ${JOURNAL_ROOT}/<job name>   (on the journal volume)`,
    '',
  ];
  return header.join('\n') + manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}
