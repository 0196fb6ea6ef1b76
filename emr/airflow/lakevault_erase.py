"""lakevault erasure requests (GDPR Art. 17), triggered with parameters by the data protection officer
(docs/lifecycle.md, "Erasure").

Trigger it from the UI or API with params, for example
    {"request": "DSR-2026-0091", "reason": "GDPR Art. 17(1)(a)",
     "selector": "--prefix s3://acme-crm/profiles/customer-48213/ --all-versions", "by": "dpo@acme.com"}

1. command: builds and checks the lakevault command line from the params.
2. dry_run: `erase --dry-run`, one EMR step: what would be erased and what is refused, and why (in the
   step's log; nothing is recorded).
3. erase: the same command for real, as the eraser role (the only role that may rewrite and delete key
   files). It records the request, destroys the keys, removes the catalog rows and completes the request;
   a retry, or a second trigger with the same params, finishes what a failed run began, and a completed
   request does nothing. The selection names the data subject's objects: the runs and erasures tables keep
   only its SHA-256, and Airflow keeps the params, so restrict who can read this DAG's runs.
"""
import shlex
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowFailException
from airflow.models.param import Param

from lakevault_common import DEFAULT_ARGS, run_and_wait

with DAG(
    dag_id="lakevault_erase",
    description="Answer an erasure request by destroying the selected versions' keys",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer per catalog: the run lease would refuse a second one anyway
    default_args=DEFAULT_ARGS,
    tags=["lakevault", "compliance"],
    params={
        "request": Param("", type="string", description="request id: the ticket, e.g. DSR-2026-0091"),
        "reason": Param("", type="string", description="the legal ground (recorded); never the data subject's name"),
        "selector": Param("", type="string", description="lakevault selector options, e.g."
                          " --prefix s3://bucket/customer-48213/ --all-versions"),
        "by": Param("", type="string", description="who asks (recorded); empty: the Airflow user who triggered"),
    },
) as dag:

    @task
    def command(params=None, dag_run=None):
        for required in ("request", "reason", "selector"):
            if not (params.get(required) or "").strip():
                raise AirflowFailException(f"params.{required} is required")
        selectors = shlex.split(params["selector"])
        for owned in ("--request", "--reason", "--by", "--dry-run"):
            if owned in selectors:
                raise AirflowFailException(f"params.selector must not contain {owned}: the DAG sets it")
        by = params.get("by") or getattr(dag_run, "owner", None) or "airflow"
        return ["erase", "--request", params["request"], "--reason", params["reason"], *selectors, "--by", by]

    @task
    def dry_run(args, run_id=None):
        run_and_wait(f"lakevault-erase-dry-run-{run_id}"[:256], [*args, "--dry-run"], "lakevault_eraser_role_arn")
        return args

    @task(retries=2, retry_delay=timedelta(minutes=10))
    def erase(args, run_id=None):
        run_and_wait(f"lakevault-erase-{run_id}"[:256], args, "lakevault_eraser_role_arn")

    erase(dry_run(command()))
