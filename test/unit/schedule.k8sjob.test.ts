/**
 * `schedule install --k8s-job`: every generated manifest validates against the Kubernetes
 * OpenAPI schema offline (kubernetes-models' classes compile it: `.validate()` throws on a
 * violation) — and the same validation is shown to reject broken copies, so this test can
 * fail. Plus what the pods run, where the secret is, and the CLI's options.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { loadSchedule } from '../../src/schedule/load.js';
import { k8sShardJob, k8sShardManifests, shardCommand } from '../../src/schedule/k8sJob.js';
import { k8sCronJob } from '../../src/schedule/install.js';
import { buildProgram } from '../../src/cli/program.js';
import { ExitError } from '../../src/errors.js';

const VALID = path.resolve(import.meta.dirname, '..', 'fixtures', 'schedules', 'valid.yaml');
const schedule = loadSchedule(VALID, { deep: true });
const jobNamed = (n: string) => schedule.jobs.find((j) => j.name === n)!;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-21-k8s-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function validate(m: unknown): void {
  const kind = (m as { kind: string }).kind;
  if (kind === 'Job') new Job(m as never).validate();
  else if (kind === 'CronJob') new CronJob(m as never).validate();
  else throw new Error(`unexpected kind ${kind}`);
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
type Any = Record<string, any>;

describe('schedule install --k8s-job', () => {
  const variants = [
    ...['trim-resolv', 'dns-check', 'drop-caches'].flatMap((j) => [1, 3, 16].map((shards) => ({ j, o: { shards } }))),
    { j: 'trim-resolv', o: { shards: 5, parallelism: 2, kind: 'job' as const, image: 'registry.local/ops/crane-fix:1.2', namespace: 'ops' } },
    { j: 'drop-caches', o: { shards: 4, kind: 'cronjob' as const, schedule: '15 2 * * 0' } },
  ];

  it('every generated manifest validates against the Kubernetes schema (printed YAML, parsed back)', () => {
    let n = 0;
    for (const { j, o } of variants) {
      const docs = parseAllDocuments(k8sShardJob(schedule, jobNamed(j), o)).map((d) => d.toJS());
      expect(docs.length).toBe(o.kind === 'job' || o.kind === 'cronjob' ? 1 : 2);
      for (const d of docs) {
        validate(d);
        n++;
      }
      expect(docs).toEqual(JSON.parse(JSON.stringify(k8sShardManifests(schedule, jobNamed(j), o))));
    }
    expect(n).toBe(9 * 2 + 2);
  });

  it("--k8s-cronjob's manifest (issue 6) validates too", () => {
    for (const j of ['trim-resolv', 'dns-check', 'drop-caches']) {
      const docs = parseAllDocuments(k8sCronJob(schedule, jobNamed(j), { image: 'registry.local/crane-fix:1', namespace: 'ops' })).map((d) => d.toJS());
      expect(docs.map((d) => d.kind)).toEqual(['CronJob']);
      validate(docs[0]);
    }
  });

  it('the validation rejects broken manifests (so the test above can fail)', () => {
    const [job, cron] = k8sShardManifests(schedule, jobNamed('trim-resolv'), { shards: 3 }) as Any[];
    validate(job);
    validate(cron);
    const breakages: Array<[string, (m: Any) => void, unknown]> = [
      ['completions as a string', (m) => (m.spec.completions = '3'), job],
      ['no containers', (m) => delete m.spec.template.spec.containers, job],
      ['a container without a name', (m) => delete m.spec.template.spec.containers[0].name, job],
      ['command not a list', (m) => (m.spec.template.spec.containers[0].command = 'sh -c x'), job],
      ['a secret mode as a string', (m) => (m.spec.template.spec.volumes[2].secret.defaultMode = '0400'), job],
      ['a volume mount without a path', (m) => delete m.spec.template.spec.containers[0].volumeMounts[0].mountPath, job],
      ['env fieldRef without a fieldPath', (m) => delete m.spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath, job],
      ['a CronJob without a schedule', (m) => delete m.spec.schedule, cron],
      ['a CronJob without a jobTemplate', (m) => delete m.spec.jobTemplate, cron],
      ['parallelism negative... as an object', (m) => (m.spec.jobTemplate.spec.parallelism = { n: 3 }), cron],
    ];
    for (const [what, breakIt, base] of breakages) {
      const m = clone(base) as Any;
      breakIt(m);
      expect(() => validate(m), what).toThrow();
    }
  });

  it('an Indexed Job of n pods, each running its shard (1-based) of the job through schedule once', () => {
    const [job, cron] = k8sShardManifests(schedule, jobNamed('trim-resolv'), { shards: 3, parallelism: 2 }) as Any[];
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'crane-fix-trim-resolv-shards', namespace: 'crane-fix' } });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 2, backoffLimitPerIndex: 0, maxFailedIndexes: 3 });
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Asia/Shanghai', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec).toEqual(job.spec);
    const c = job.spec.template.spec.containers[0];
    expect(c.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(c.command[2]).toBe(shardCommand(schedule, jobNamed('trim-resolv'), 3));
    expect(c.command[2]).toBe(
      'exec crane-fix schedule once --shard "$((JOB_COMPLETION_INDEX + 1))/3" --no-lock --jitter --known-hosts /etc/crane-fix-known-hosts/known_hosts --journal-dir "/var/lib/crane-fix/runs/$CRANE_FIX_K8S_JOB" /etc/crane-fix/valid.yaml trim-resolv',
    );
    // The pod's shell computes what --shard gets for each completion index: 1/3, 2/3, 3/3.
    expect(c.env).toEqual([{ name: 'CRANE_FIX_K8S_JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } }]);
    const vols = Object.fromEntries(job.spec.template.spec.volumes.map((v: Any) => [v.name, v]));
    expect(vols['ssh-key'].secret).toEqual({ secretName: 'crane-fix-ssh', defaultMode: 0o400, items: [{ key: 'id_ed25519', path: 'id_ed25519', mode: 0o400 }] });
    expect(vols.files.configMap.items.map((i: Any) => i.path).sort()).toEqual(['inventory.ini', 'valid.yaml']);
    expect(vols.journal.persistentVolumeClaim.claimName).toBe('crane-fix-journal');
    const mounts = Object.fromEntries(c.volumeMounts.map((m: Any) => [m.name, m]));
    expect(mounts['ssh-key']).toEqual({ name: 'ssh-key', mountPath: '/root/.ssh', readOnly: true });
    // The key is only ever a mounted file: no env value, no argument names the Secret's content.
    expect(JSON.stringify(c.env) + JSON.stringify(c.command)).not.toMatch(/id_ed25519|PRIVATE KEY|secretKeyRef/);
  });

  it('refuses what cannot be a valid manifest', () => {
    const j = jobNamed('trim-resolv');
    expect(() => k8sShardManifests(schedule, j, { shards: 0 })).toThrow(/--shards: expects a whole number from 1 to 100000/);
    expect(() => k8sShardManifests(schedule, j, { shards: 3, parallelism: 4 })).toThrow(/--parallelism: expects a whole number from 1 to --shards \(3\)/);
    expect(() => k8sShardManifests(schedule, j, { shards: 3, namespace: 'Ops_1' })).toThrow(/--namespace: not a Kubernetes namespace/);
    expect(() => k8sShardManifests(schedule, j, { shards: 3, schedule: 'every day' })).toThrow(/--schedule: expects 5 cron fields/);
    // A six-field (seconds) cron cannot be a CronJob, but the Job alone is fine.
    expect(() => k8sShardManifests(schedule, jobNamed('slow'), { shards: 2 })).toThrow(/cannot be installed as a Kubernetes CronJob/);
    for (const m of k8sShardManifests(schedule, jobNamed('slow'), { shards: 2, kind: 'job' })) validate(m);
  });

  it('through the CLI: --out writes the file atomically; --shards is required; the flags need --k8s-job', async () => {
    const run = async (args: string[]) => {
      let out = '';
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
      const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const argv = ['node', 'crane-fix', 'schedule', 'install', ...args];
      try {
        await (await buildProgram({ schedule: async () => (await import('../../src/cli/schedule.js')).registerSchedule }, argv)).parseAsync(argv);
        return { code: 0, out, err: '' };
      } catch (x) {
        if (x instanceof ExitError) return { code: x.code, out, err: x.message };
        throw x;
      } finally {
        o.mockRestore();
        e.mockRestore();
      }
    };
    const file = path.join(work, 'job.yaml');
    const r = await run([VALID, 'dns-check', '--k8s-job', '--shards', '4', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
    for (const d of docs) validate(d);
    expect(docs.map((d) => d.kind)).toEqual(['Job', 'CronJob']);
    expect(fs.readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await run([VALID, 'dns-check', '--k8s-job'])).err).toMatch(/--shards: --k8s-job needs --shards/);
    expect((await run([VALID, 'dns-check', '--k8s-cronjob', '--shards', '3'])).err).toMatch(/--shards: only goes with --k8s-job/);
    expect((await run([VALID, 'dns-check', '--k8s-job', '--shards', '3', '--k8s-kind', 'pod'])).err).toMatch(/--k8s-kind: expects job, cronjob or both/);
    const stdout = await run([VALID, 'dns-check', '--k8s-job', '--shards', '2', '--k8s-kind', 'job']);
    expect(stdout.code).toBe(0);
    expect(stdout.out).toMatch(/^# crane-fix schedule job 'dns-check' .* split into 2 shard\(s\)/);
    expect(stdout.out).toContain('crane-fix runs merge /var/lib/crane-fix/runs/<job name>');
  });
});
