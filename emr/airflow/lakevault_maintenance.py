"""lakevault weekly maintenance: cluster the catalog for fast lookups, and prove packs still read back.

- catalog_optimize: Delta OPTIMIZE ZORDER BY key on the objects table, so find/versions/restore skip
  almost every file however many archive runs appended since (docs/restore.md).
- verify_request, wait_for_thaw, verify_check: verify a seeded sample of packs. The first run thaws the
  sample (Bulk: up to 48 h) and checks what is already readable; the check two days later re-runs the
  same command with the same seed, reads every entry and compares its SHA-256 with the catalog. A
  check that still finds packs thawing, or any mismatch, fails and alerts.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.sensors.time_delta import TimeDeltaSensor

from lakevault_common import DEFAULT_ARGS, step_task

VERIFY = ["verify", "--sample", "{{ var.value.get('lakevault_verify_sample', '4') }}", "--seed", "{{ ds_nodash }}"]


with DAG(
    dag_id="lakevault_maintenance",
    description="Weekly: catalog optimize, and a verify of a sample of packs",
    doc_md=__doc__,
    schedule="0 7 * * 0",  # Sundays, after the daily run
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["lakevault"],
) as dag:
    optimize = step_task("catalog_optimize", ["catalog", "optimize"], timedelta(hours=6))
    # Packs still thawing are not a failure of the first pass: it is what requests the thaws.
    request = step_task("verify_request", [*VERIFY, "--thawing-exit-code", "0"], timedelta(hours=6))
    wait = TimeDeltaSensor(task_id="wait_for_thaw", delta=timedelta(hours=49), mode="reschedule", poke_interval=3600)
    check = step_task("verify_check", VERIFY, timedelta(hours=12))
    optimize >> request >> wait >> check
