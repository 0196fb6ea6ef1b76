"""Imports every DAG file of a folder against the Airflow stand-in and prints what they build, as JSON:
per DAG its arguments and params, per task its operator, arguments and upstream tasks. Read by
io.lakevault.ops.AirflowDagsTest."""
import datetime
import importlib.util
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "airflow_stub"))

from airflow import _graph  # noqa: E402
from airflow.models.param import Param  # noqa: E402


def plain(v):
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, datetime.timedelta):
        return {"seconds": v.total_seconds()}
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, Param):
        return {"default": v.value, "description": v.description, **v.schema}
    if callable(v):
        return {"callable": v.__name__}
    return v


def main(folder):
    sys.path.insert(0, folder)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(folder, name))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name[:-3]] = module
            spec.loader.exec_module(module)
    out = {}
    for dag in _graph.DAGS:
        out[dag.dag_id] = {"args": plain(dag.kwargs), "tasks": {
            t.task_id: {"operator": t.operator, "args": plain(t.kwargs), "upstream": t.upstream}
            for t in dag.tasks.values()}}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
