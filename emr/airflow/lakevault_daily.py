"""lakevault daily pipeline: inventory -> classify -> archive, as EMR steps on one cluster.

Each task submits its lakevault command as an EMR step and waits for it, so an Airflow retry submits
the step again: every lakevault job converges when re-run after a failure (docs/operations.md). One
DAG run at a time, and the cluster runs one step at a time, because Delta on S3 allows one writer per
table by default and every job writes the catalog.
"""
from datetime import datetime, timedelta

from airflow import DAG

from lakevault_common import DEFAULT_ARGS, step_task

JOBS = (
    # (task, lakevault arguments, longest expected run)
    ("inventory", ["inventory"], timedelta(hours=4)),
    ("classify", ["classify"], timedelta(hours=4)),
    ("archive", ["archive"], timedelta(hours=12)),
)

with DAG(
    dag_id="lakevault_daily",
    description="S3 Inventory -> retention classes -> packs in Glacier Deep Archive",
    doc_md=__doc__,
    schedule="0 6 * * *",  # S3 delivers daily inventory reports overnight (within 48 h of the report date)
    start_date=datetime(2026, 1, 1),
    catchup=False,  # each run takes the newest complete reports; there is nothing to backfill
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=22),
    default_args=DEFAULT_ARGS,
    tags=["lakevault"],
) as dag:
    previous = None
    for task_id, args, limit in JOBS:
        task = step_task(task_id, args, limit)
        if previous is not None:
            previous >> task
        previous = task
