"""lakevault legal holds, triggered with parameters by a compliance officer (docs/lifecycle.md).

Trigger it from the UI or API with params, for example
    {"action": "place", "case": "SEC-2026-0142", "reason": "SEC subpoena of 2026-11-30",
     "selector": "--prefix s3://acme-trading-logs/app=settlement/", "by": "j.doe@acme.com"}
    {"action": "release", "case": "SEC-2026-0142", "reason": "matter closed", "by": "j.doe@acme.com"}

1. command: builds and checks the lakevault command line from the params (a release takes no selector).
2. hold: runs it as one EMR step with the pipeline role. `hold place` records the case, then sets S3's
   legal hold on every pack and key file holding a selected version; `hold release` records the release,
   then removes the hold from the packs no other open case needs. Both take the catalog's run lease and
   are idempotent: a retry (or a second trigger with the same params) finishes what a failed run began.
"""
import shlex
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowFailException
from airflow.models.param import Param

from lakevault_common import DEFAULT_ARGS, run_and_wait

with DAG(
    dag_id="lakevault_hold",
    description="Place or release a legal hold by case",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer per catalog: the run lease would refuse a second one anyway
    default_args=DEFAULT_ARGS,
    tags=["lakevault", "compliance"],
    params={
        "action": Param("place", enum=["place", "release"], description="place or release"),
        "case": Param("", type="string", description="case id, e.g. SEC-2026-0142"),
        "reason": Param("", type="string", description="why (recorded in the holds table)"),
        "selector": Param("", type="string", description="place only: lakevault selector options, e.g."
                          " --prefix s3://bucket/path/ --as-of 2026-06-30"),
        "by": Param("", type="string", description="who asks (recorded); empty: the Airflow user who triggered"),
    },
) as dag:

    @task
    def command(params=None, dag_run=None):
        action = params["action"]
        for required in ("case", "reason"):
            if not (params.get(required) or "").strip():
                raise AirflowFailException(f"params.{required} is required: the holds table records it")
        args = ["hold", action, "--case", params["case"], "--reason", params["reason"]]
        selectors = shlex.split(params.get("selector") or "")
        if action == "place" and not selectors:
            raise AirflowFailException("params.selector is required to place a hold (e.g. --prefix s3://bucket/path/)")
        if action == "release" and selectors:
            raise AirflowFailException("a release takes no selector: it ends the case as it was placed")
        for owned in ("--case", "--reason", "--by"):
            if owned in selectors:
                raise AirflowFailException(f"params.selector must not contain {owned}: the DAG sets it")
        by = params.get("by") or getattr(dag_run, "owner", None) or "airflow"
        return [*args, *selectors, "--by", by]

    @task(retries=2, retry_delay=timedelta(minutes=10))
    def hold(args, run_id=None):
        run_and_wait(f"lakevault-hold-{run_id}"[:256], args, "lakevault_pipeline_role_arn")

    hold(command())
