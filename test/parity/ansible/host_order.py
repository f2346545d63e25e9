# For the crane-fix parity suite (test/integration/parity-inventory.test.ts): the hosts a play
# runs on, in order, as ansible-playbook computes them — InventoryManager.subset(--limit),
# then get_hosts(play hosts) (what PlaybookExecutor._get_serialized_batches calls; the
# `--list-hosts` CLI prints the same hosts as a set, so without their order).
# stdin: [{"id", "file", "patterns": [...], "limits": [...]}]; stdout: {id: {limit or "": [[host, ...] per pattern]}}
import json
import sys

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader

out = {}
for case in json.load(sys.stdin):
    inventory = InventoryManager(loader=DataLoader(), sources=[case['file']])
    result = {}
    for limit in [None] + list(case.get('limits') or []):
        inventory.remove_restriction()
        inventory.subset(limit)
        result[limit or ''] = [[h.name for h in inventory.get_hosts(p)] for p in case['patterns']]
    out[case['id']] = result
print(json.dumps(out))
