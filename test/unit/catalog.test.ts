import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { catalog, getEntry } from '../../src/catalog/index.js';
import { diagnose } from '../../src/catalog/diagnose.js';
import type { CatalogEntry } from '../../src/catalog/types.js';

const CJK = /[\u4e00-\u9fff]/;

const HOST_IDS = [
  'xfs-ftype', 'clusterip-dns', 'apiserver-service-cidr', 'resolv-conf-trim', 'resolv-conf-nameserver', 'drop-caches',
  'calico-tunl0', 'kube-proxy-nodeport-addresses', 'kubelet-csimigration', 'hostname-lowercase', 'kernel-min-version',
  'docker-storage-driver', 'istio-init-prune', 'ctl-path',
];
const CLUSTER_IDS = [
  'pause-upgrade-guard', 'apiserver-tls-noise', 'ingressgateway-no-destination', 'istioctl-overwrite',
  'istio-operator-ingressgateway', 'kiali-auth', 'istio-nginx-host-header', 'jenkins-403-calico-bgp',
  'docker-load-import', 'ansible-in-docker-offline', 'istio-1-6-6-skip', 'calico-cidr-change',
];

describe('catalogue contents', () => {
  it('has exactly the entries of the brief, with unique ids', () => {
    const ids = catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...HOST_IDS, ...CLUSTER_IDS].sort());
  });

  it('puts each entry at the right level', () => {
    for (const id of HOST_IDS) expect(getEntry(id).level, id).toBe('host');
    for (const id of CLUSTER_IDS) expect(getEntry(id).level, id).toBe('cluster');
  });

  it('uses kebab-case ids', () => {
    for (const e of catalog) expect(e.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it('keeps the harmless apiserver noise last, so it never wins a tie', () => {
    expect(catalog[catalog.length - 1]!.id).toBe('apiserver-tls-noise');
  });
});

describe.each(catalog.map((e) => [e.id, e] as [string, CatalogEntry]))('entry %s', (_id, e) => {
  it('has title, explanation and action in both languages', () => {
    for (const field of ['title', 'explanation', 'action'] as const) {
      const t = e[field];
      expect(t.en.trim().length, `${field}.en`).toBeGreaterThan(field === 'title' ? 10 : 40);
      expect(t.zh.trim().length, `${field}.zh`).toBeGreaterThan(field === 'title' ? 4 : 15);
      expect(t.en, `${field}.en must be English`).not.toMatch(CJK);
      // Chinese texts are Chinese (commands and names inside are fine).
      expect(t.zh, `${field}.zh must be Chinese`).toMatch(CJK);
    }
  });

  it('gives every log symptom a reason in both languages', () => {
    for (const s of e.symptoms) {
      // At runtime, not only in the type: entries are data and a missing field must fail here.
      const r = (s as Partial<typeof s>).reason;
      expect(r, `${s.id}.reason`).toBeDefined();
      expect(typeof r?.en === 'string' && r.en.trim().length > 10, `${s.id}.reason.en is empty`).toBe(true);
      expect(typeof r?.zh === 'string' && r.zh.trim().length > 4, `${s.id}.reason.zh is empty`).toBe(true);
      expect(r!.en, `${s.id}.reason.en must be English`).not.toMatch(CJK);
      expect(r!.zh, `${s.id}.reason.zh must be Chinese`).toMatch(CJK);
    }
  });

  it('gives commands in the action, the same ones in both languages', () => {
    const cmds = (s: string) =>
      s
        .split('\n')
        .filter((l) => /^\s{2}\S/.test(l))
        .map((l) => l.replace(/\s+#.*$/, '').trim())
        .filter((l) => l.length > 0 && !l.startsWith('#'));
    const en = cmds(e.action.en);
    expect(en.length, 'at least one indented command line').toBeGreaterThan(0);
    expect(cmds(e.action.zh)).toEqual(en);
  });

  it('has well-formed symptoms whose examples match their own pattern and diagnose to this entry', () => {
    const ids = e.symptoms.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of e.symptoms) {
      expect(s.id).toMatch(/^[a-z0-9-]+$/);
      expect(s.pattern.flags, `${s.id}: g/y flags make test() stateful`).not.toMatch(/[gy]/);
      expect(s.example).not.toMatch(/\n/);
      expect(s.source.trim()).not.toBe('');
      expect(s.pattern.test(s.example), `${s.id} example must match its pattern`).toBe(true);
      if (s.context) {
        // A line other programs print too: alone it names nothing, beside its context line it is this entry's evidence.
        expect(diagnose(s.example).matches, `${s.id}: not without its context`).toEqual([]);
        const r = diagnose(`${s.context.example}\n${s.example}`);
        expect(r.matches.map((m) => m.entryId), `${s.id}: only this entry`).toEqual([e.id]);
        expect(r.matches[0]!.evidence).toContainEqual({ line: 2, text: s.example, symptomId: s.id });
        continue;
      }
      const r = diagnose(s.example);
      expect(r.matches.map((m) => m.entryId), `${s.id}: only this entry`).toEqual([e.id]);
      expect(r.matches[0]!.evidence).toEqual([{ line: 1, text: s.example, symptomId: s.id }]);
      expect(r.unexplained).toEqual([]);
    }
  });

  it('has a detector exactly when it is host-level, and a playbook named after its id', () => {
    if (e.level === 'host') expect(e.detector, 'host entries have a detector').toBeDefined();
    else expect(e.detector).toBeUndefined();
    if (e.playbook !== undefined) {
      expect(e.level).toBe('host');
      expect(e.playbook).toBe(`${e.id}.yaml`);
    }
  });

  it('declares vars sanely', () => {
    const names = (e.vars ?? []).map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of e.vars ?? []) {
      expect(v.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(v.description.en.trim()).not.toBe('');
      expect(v.description.zh).toMatch(CJK);
      if (v.required) expect(v.default, `${v.name}: required vars have no default`).toBeUndefined();
    }
  });

  it('lists references as URLs', () => {
    for (const r of e.references ?? []) expect(r).toMatch(/^https?:\/\/\S+$/);
  });
});

describe('flags', () => {
  it('marks mkfs and hostname changes destructive and irreversible, and nothing else destructive', () => {
    const destructive = catalog.filter((e) => e.destructive).map((e) => e.id).sort();
    expect(destructive).toEqual(['hostname-lowercase', 'xfs-ftype']);
    for (const id of destructive) expect(getEntry(id).reversible).toBe(false);
  });

  it('marks the one-way fixes irreversible', () => {
    for (const id of ['drop-caches', 'calico-tunl0', 'istio-init-prune']) expect(getEntry(id).reversible, id).toBe(false);
    for (const id of ['clusterip-dns', 'resolv-conf-trim', 'kubelet-csimigration']) expect(getEntry(id).reversible, id).toBe(true);
  });

  it('has playbooks for the host fixes, none for the detect-only kernel check', () => {
    const withPlaybook = catalog.filter((e) => e.playbook).map((e) => e.id).sort();
    expect(withPlaybook).toEqual(HOST_IDS.filter((id) => id !== 'kernel-min-version').sort());
  });

  it("uses Crane's variable names", () => {
    const vars = (id: string) => (getEntry(id).vars ?? []).map((v) => v.name);
    expect(vars('clusterip-dns')).toContain('dns_cluster_ip');
    expect(vars('ctl-path')).toContain('kubernetes_ctl_path');
    expect(vars('calico-tunl0')).toContain('calico_type');
    expect(vars('kube-proxy-nodeport-addresses')).toContain('kube_proxy_node_port_addresses');
    expect(getEntry('clusterip-dns').vars!.find((v) => v.name === 'dns_cluster_ip_old')!.default).toBe('10.96.0.10');
    expect(getEntry('xfs-ftype').vars!.find((v) => v.name === 'docker_data_dir')!.default).toBe('/var/lib/docker');
  });
});

describe('getEntry', () => {
  it('returns the entry', () => {
    expect(getEntry('xfs-ftype').id).toBe('xfs-ftype');
  });

  it('throws an InputError listing the known ids for an unknown id', () => {
    let err: unknown;
    try {
      getEntry('no-such-problem');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toContain('no-such-problem');
    for (const e of catalog) expect(msg).toContain(e.id);
    expect((err as InputError).code).toBe(1);
  });
});
