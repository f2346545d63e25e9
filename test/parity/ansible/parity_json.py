# A JSON stdout callback for the crane-fix parity suite (test/integration/parity.test.ts).
#
# ansible-core 2.14 ships no `json` callback (it lives in the ansible.posix collection, which
# plain ansible-core installs lack), so the suite brings this one. The shape follows
# ansible.posix.json — {"plays": [{"play": {...}, "tasks": [{"task": {...}, "hosts": {...}}]}],
# "stats": {...}} — reduced to what the suite compares, plus `diff`: each changed result's
# diff rendered by CallbackBase._get_diff, i.e. exactly the text `--diff` prints with the
# default callback (no colour).
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: parity_json
    type: stdout
    short_description: per play/task/host results as JSON, with rendered diffs
    description:
      - Used by crane-fix's differential tests only.
'''

import json

from ansible.plugins.callback import CallbackBase


def _item_status(r, ignored=False):
    # Loop items keep their failed/skipped keys (the task result's own are stripped).
    if r.get('unreachable'):
        return 'unreachable'
    if r.get('failed'):
        return 'ignored' if ignored else 'failed'
    if r.get('skipped'):
        return 'skipped'
    return 'changed' if r.get('changed') else 'ok'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'parity_json'

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        hosts = play.hosts if isinstance(play.hosts, list) else [play.hosts]
        self.plays.append({'play': {'name': play.get_name(), 'hosts': hosts}, 'tasks': []})

    def _task_start(self, task, handler):
        self.plays[-1]['tasks'].append({
            'task': {'name': task.get_name(), 'action': task.action, 'args': sorted(task.args.keys()), 'handler': handler},
            'hosts': {},
        })

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def _diff(self, r):
        if r.get('diff') and r.get('changed'):
            return self._get_diff(r['diff'])
        return None

    def _record(self, result, status):
        # The callback's result is a clean copy: its failed/skipped keys are gone, the event says it.
        r = result._result
        if status == 'ok' and r.get('changed'):
            status = 'changed'
        ignored = status == 'ignored'
        out = {'status': status, 'msg': r.get('msg')}
        for k in ('rc', 'stdout', 'stderr'):
            if k in r:
                out[k] = r[k]
        d = self._diff(r)
        if d:
            out['diff'] = d
        if isinstance(r.get('results'), list):
            items = []
            for it in r['results']:
                e = {'status': _item_status(it, ignored), 'msg': it.get('msg')}
                di = self._diff(it)
                if di:
                    e['diff'] = di
                items.append(e)
            out['items'] = items
        self.plays[-1]['tasks'][-1]['hosts'][result._host.get_name()] = out

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        summary = dict((h, stats.summarize(h)) for h in sorted(stats.processed.keys()))
        self._display.display(json.dumps({'plays': self.plays, 'stats': summary}, indent=1, sort_keys=True, default=str))
