"""lakevault restore drill: monthly proof that every retention class restores, in the time it promises.

Each month's run drills every class of the policy at every level (an object, several objects, a prefix,
several prefixes, a bucket, several buckets), each as of a seeded random past time, into the scratch
target `drill.target` (docs/drills.md). The seed is the month, so every task of a run, and a re-run,
works on the same drill.

1. plan: a dry run: the sample, and its estimated cost and thaw time per class (in the step log).
2. drill_request: samples, restores what is readable and requests the thaws (Deep Archive: up to 48 h).
   Packs still thawing are not a failure here (--thawing-exit-code 0): the drill resumes later.
3. wait_for_thaw: two days, without holding a worker.
4. drill_check: the same command: restores what thawed, verifies every object's SHA-256 and the as-of
   selection against the catalog, records each level in the drills table and removes what it restored.
   It fails (and alerts) when a level failed or missed its class's RTO, or when packs are still thawing.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.sensors.time_delta import TimeDeltaSensor

from lakevault_common import DEFAULT_ARGS, step_task

DRILL = ["drill", "--seed", "{{ logical_date.strftime('%Y%m') }}"]


with DAG(
    dag_id="lakevault_drill",
    description="Monthly restore drill of every retention class at every level, checked against each class's RTO",
    doc_md=__doc__,
    schedule="0 9 1 * *",  # the first of each month; trigger it by hand for an extra drill
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["lakevault", "restore"],
) as dag:
    plan = step_task("drill_plan", [*DRILL, "--dry-run"], timedelta(hours=2))
    request = step_task("drill_request", [*DRILL, "--thawing-exit-code", "0"], timedelta(hours=6))
    wait = TimeDeltaSensor(task_id="wait_for_thaw", delta=timedelta(hours=49), mode="reschedule", poke_interval=3600)
    check = step_task("drill_check", DRILL, timedelta(hours=12))
    plan >> request >> wait >> check
