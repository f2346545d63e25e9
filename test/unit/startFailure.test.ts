import { describe, expect, it } from 'vitest';
import { explainNotReady, explainStartFailure } from '../../src/engine/startFailure.js';
import { NOT_READY } from '../../src/transport/openSession.js';

const login = { become: false, becomeUser: 'root', user: 'admin' };
const viaSudo = { become: true, becomeUser: 'kubeops', user: 'admin' };
const HEAD = "head: cannot open '/etc/odd-secret' for reading: Permission denied";

describe('start failures', () => {
  it('a file the gather cannot read names the file and the way to become', () => {
    expect(explainStartFailure(HEAD, login, false)).toBe('/etc/odd-secret is not readable by admin: let the run become root: ansible_become=true in the inventory, or become: true on the play — nothing was changed on this host');
    expect(explainStartFailure(HEAD, viaSudo, false)).toMatch(/^\/etc\/odd-secret is not readable by kubeops: run as a user that can read it \(become_user, now kubeops\)/);
  });

  it("cat's message (files gathered with their mode: copy, yaml_edit) is read the same way", () => {
    expect(explainStartFailure('cat: /etc/odd secret: Permission denied', login, false)).toMatch(/^\/etc\/odd secret is not readable by admin: let the run become root/);
    expect(explainStartFailure('cat: /etc/x: No such file or directory', login, false)).toBeUndefined();
  });

  it('rewrites only a session that ended before it was ready, and only for a known cause', () => {
    expect(explainNotReady(`${NOT_READY}: ${HEAD}`, login, false)).toMatch(/is not readable by admin/);
    expect(explainNotReady(HEAD, login, false)).toBe(HEAD);
    expect(explainNotReady(`${NOT_READY}: something else`, login, false)).toBe(`${NOT_READY}: something else`);
  });
});
