"""Loads platc's workflow files with pydolphinscheduler's own YAML loader and prints what the
SDK would send to DolphinScheduler's Java gateway, as JSON (tests/dolphinscheduler.rs).

The gateway is stubbed as the SDK's own tests stub it (tests/core/test_yaml_workflow.py of
apache/dolphinscheduler-sdk-python 4.1.0): `Task.gen_code_and_version` returns codes without
asking the gateway, `Workflow.submit` and `Workflow.run` are replaced (here by recorders of the
workflow). Environment variables (the submit Job's `PYDS_*`) are set by the caller before the
SDK is imported, as in the Job.

Usage: python sdk.py FILE.yaml...
"""

import inspect
import itertools
import json
import sys
from unittest.mock import patch

from ruamel.yaml import YAML

from pydolphinscheduler import configuration, tasks
from pydolphinscheduler.core.task import Task
from pydolphinscheduler.core.workflow import Workflow
from pydolphinscheduler.core.yaml_workflow import create_workflow, get_task_cls

codes = itertools.count(1)


def gen_code_and_version(self):
    return next(codes), 1


def parameters(cls):
    """Every keyword the class's constructors (its own and its bases') take."""
    names = set()
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                names.add(p.name)
    names.discard("self")
    return names


def load(path):
    submitted = []

    def submit(self):
        submitted.append(self)
        return 0

    with patch.object(Task, "gen_code_and_version", gen_code_and_version), patch.object(
        Workflow, "submit", submit
    ), patch.object(Workflow, "run", submit):
        create_workflow(path)
    assert len(submitted) == 1, f"{path}: submitted {len(submitted)} workflows"
    wf = submitted[0]

    with open(path) as f:
        written = YAML(typ="safe").load(f)
    # Keys the SDK would pass as **kwargs and drop without a word.
    ignored = sorted(
        f"workflow.{k}" for k in written["workflow"] if k not in parameters(Workflow)
    )
    for t in written["tasks"]:
        cls = get_task_cls(t["task_type"])
        for k in t:
            if k not in ("task_type", "deps") and k not in parameters(cls):
                ignored.append(f"tasks.{t['name']}.{k}")

    names = {task.code: task.name for task in wf.tasks.values()}
    names[0] = ""
    relations = sorted(
        [names[r["preTaskCode"]], names[r["postTaskCode"]]] for r in wf.task_relation_json
    )
    definitions = sorted(wf.task_definition_json, key=lambda d: d["name"])
    return {
        "ignored": ignored,
        "workflow": {
            "name": wf.name,
            "description": wf.description,
            "project": wf.project.name,
            "user": wf.user.name,
            "tenant": wf.user.tenant,
            "worker_group": wf.worker_group,
            "execution_type": wf.execution_type,
            "release_state": wf.release_state,
            "online_schedule": wf.online_schedule,
            "schedule": wf.schedule_json["crontab"] if wf.schedule_json else None,
            "timezone": wf.schedule_json["timezoneId"] if wf.schedule_json else None,
            "timeout": wf.timeout,
        },
        "tasks": [
            {
                "name": d["name"],
                "task_type": d["taskType"],
                "description": d["description"],
                "worker_group": d["workerGroup"],
                "fail_retry_times": d["failRetryTimes"],
                "raw_script": d["taskParams"]["rawScript"],
            }
            for d in definitions
        ],
        "relations": relations,
    }


def main():
    out = {path: load(path) for path in sys.argv[1:]}
    out["configuration"] = {
        "gateway_address": configuration.JAVA_GATEWAY_ADDRESS,
        "gateway_port": configuration.JAVA_GATEWAY_PORT,
        "gateway_token": configuration.JAVA_GATEWAY_AUTH_TOKEN,
    }
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
