#!/usr/bin/python3
"""Differential-test oracle: runs the real ansible-core code on cases read as JSON lines.

Each input line is {"kind": ..., ...}; each output line is the JSON answer (or {"error": ...}).
Kinds:
  module    {"module": "lineinfile", "args": {...}, "files": {"rel/path": "content"|null},
             "check": bool}  -> {"result": exit_json dict, "files": {rel: content|null}}
             Paths in args may use "@@/" for the temp dir.
  re_sub    {"pattern", "repl", "text", "flags": ["M","S","I"]} -> {"out", "n"} | {"error"}
  re_search {"pattern", "text", "flags", "bytes": bool} -> {"match": [start, end, groups]|null}
  difflib   {"a": str, "b": str, "fromfile", "tofile"} -> {"out": str}
  shlex     {"s": str} -> {"out": [..]} | {"error"}
  quote     {"s": str} -> {"out": str}
  template  {"s": str, "vars": {...}} -> {"out": str repr-able} | {"error"}
  cond      {"s": str, "vars": {...}} -> {"out": bool} | {"error"}
  yaml      {"s": str} -> {"out": value} (PyYAML safe_load, what ansible-playbook reads)
"""
import difflib
import importlib
import io
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")

BASE = tempfile.mkdtemp(prefix="crane-oracle-")
REMOTE_TMP = os.path.join(BASE, "remote_tmp")
os.makedirs(REMOTE_TMP, mode=0o700)


def run_module(case):
    from ansible.module_utils import basic
    from ansible.module_utils._text import to_bytes

    tmp = tempfile.mkdtemp(prefix="case-", dir=BASE)
    try:
        for rel, content in case.get("files", {}).items():
            p = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if content == {"dir": True}:
                os.makedirs(p, exist_ok=True)
                mode = case.get("modes", {}).get(rel)
                if mode is not None:
                    os.chmod(p, mode)
                continue
            if isinstance(content, dict) and "link" in content:
                os.symlink(content["link"], p)
                continue
            if content is not None:
                with open(p, "wb") as f:
                    f.write(content.encode("utf-8"))
                mode = case.get("modes", {}).get(rel)
                if mode is not None:
                    os.chmod(p, mode)
        args = json.loads(json.dumps(case["args"]).replace("@@/", tmp + "/"))
        args["_ansible_check_mode"] = bool(case.get("check"))
        args["_ansible_diff"] = True
        args["_ansible_remote_tmp"] = REMOTE_TMP
        args["_ansible_keep_remote_files"] = False
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        mod = importlib.import_module("ansible.modules." + case["module"])
        out = io.StringIO()
        old = sys.stdout
        sys.stdout = out
        crash = None
        try:
            mod.main()
        except SystemExit:
            pass
        except Exception as e:  # a module traceback: ansible-playbook reports MODULE FAILURE
            crash = "%s: %s" % (type(e).__name__, e)
        finally:
            sys.stdout = old
        if crash is not None:
            out = io.StringIO(json.dumps({"failed": True, "msg": "MODULE FAILURE", "exception": crash.replace(tmp + "/", "@@/")}))
        text = out.getvalue().replace(tmp + "/", "@@/")
        result = json.loads(text[text.index("{"):])
        for k in ("invocation", "warnings", "deprecations"):
            result.pop(k, None)
        files = {}
        for rel in list(case.get("files", {})) + case.get("watch", []):
            p = os.path.join(tmp, rel)
            files[rel + "#type"] = ("link" if os.path.islink(p) else "dir" if os.path.isdir(p) else "file" if os.path.isfile(p) else "absent")
            if os.path.islink(p):
                files[rel + "#target"] = os.readlink(p)
            if os.path.isdir(p) and not os.path.islink(p):
                files[rel] = None
                files[rel + "#mode"] = oct(os.stat(p).st_mode & 0o7777)
                continue
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    files[rel] = f.read().decode("utf-8", "surrogateescape")
                files[rel + "#mode"] = oct(os.stat(p).st_mode & 0o7777)
            else:
                files[rel] = None
        return {"result": result, "files": files}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def flags_of(names):
    f = 0
    for n in names or []:
        f |= {"M": re.M, "S": re.S, "I": re.I, "A": re.A}[n]
    return f


def templar_for(variables):
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    return Templar(loader=DataLoader(), variables=variables)


def answer(case):
    k = case["kind"]
    if k == "module":
        return run_module(case)
    if k == "re_sub":
        try:
            out, n = re.subn(re.compile(case["pattern"], flags_of(case.get("flags"))), case["repl"], case["text"])
            return {"out": out, "n": n}
        except Exception as e:  # noqa
            return {"error": str(e)}
    if k == "re_search":
        try:
            if case.get("bytes"):
                m = re.compile(case["pattern"].encode(), flags_of(case.get("flags"))).search(case["text"].encode())
                if not m:
                    return {"match": None}
                return {"match": [len(case["text"].encode()[: m.start()].decode()), len(case["text"].encode()[: m.end()].decode()),
                                  [g.decode() if g is not None else None for g in m.groups()]]}
            m = re.compile(case["pattern"], flags_of(case.get("flags"))).search(case["text"])
            return {"match": None if not m else [m.start(), m.end(), list(m.groups())]}
        except Exception as e:  # noqa
            return {"error": str(e)}
    if k == "difflib":
        return {"out": "".join(difflib.unified_diff(case["a"].splitlines(True), case["b"].splitlines(True), case.get("fromfile", "a"), case.get("tofile", "b"), n=3))}
    if k == "shlex":
        try:
            return {"out": shlex.split(case["s"])}
        except Exception as e:  # noqa
            return {"error": str(e)}
    if k == "quote":
        return {"out": shlex.quote(case["s"])}
    if k == "template":
        try:
            v = templar_for(case.get("vars", {})).template(case["s"])
            return {"out": v if isinstance(v, (str, bool, int, float, list, dict)) or v is None else str(v)}
        except Exception as e:  # noqa
            return {"error": type(e).__name__ + ": " + str(e)}
    if k == "cond":
        try:
            from ansible.parsing.dataloader import DataLoader
            from ansible.playbook.conditional import Conditional

            cond = Conditional(loader=DataLoader())
            cond.when = [case["s"]]
            return {"out": bool(cond.evaluate_conditional(templar_for(case.get("vars", {})), case.get("vars", {})))}
        except Exception as e:  # noqa
            return {"error": type(e).__name__ + ": " + str(e)}
    if k == "yaml":
        import math

        import yaml

        def enc(v):
            if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
                return {"__float__": str(v)}
            if isinstance(v, dict):
                return {str(k): enc(x) for k, x in v.items()}
            if isinstance(v, list):
                return [enc(x) for x in v]
            return v

        return {"out": enc(yaml.safe_load(case["s"]))}
    return {"error": "unknown kind " + k}


def main():
    try:
        loop()
    finally:
        shutil.rmtree(BASE, ignore_errors=True)
        sys.stdout.flush()
        os._exit(0)  # skip AnsibleModule's atexit cleanups of the removed temp dirs


def loop():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = answer(json.loads(line))
        except Exception as e:  # noqa
            out = {"error": "oracle: " + type(e).__name__ + ": " + str(e)}
        sys.stdout.write(json.dumps(out, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
