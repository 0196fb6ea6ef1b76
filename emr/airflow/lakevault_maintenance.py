"""lakevault weekly maintenance: purge erased rows, cluster and vacuum the catalog, prove packs still read back, expire what retention ended.

- catalog_purge: removes what completed erasure requests left in the catalog's files (older table
  versions, inventory, classified, selectors and reports), well inside the deadline erasure.purge-within
  (30 days at most); a request purged after it is reported late (docs/lifecycle.md, "Erasure"). It rewrites
  files in place, so it runs first, in this window, before anything else reads the catalog.
- catalog_optimize: Delta OPTIMIZE ZORDER BY key on the objects table, so find/versions/restore skip
  almost every file however many archive runs appended since (docs/restore.md).
- catalog_vacuum_plan, catalog_vacuum: each catalog table keeps the history its purpose needs (docs/catalog.md,
  "History retention by purpose"): the working tables (inventory, inventory_changes, inventory_quarantine, classified)
  drop files later commits removed after catalog.working-retention, the audit tables keep theirs for
  catalog.history-retention. The plan is a dry run (its step log lists each table's retention and the files
  VACUUM would delete); a table whose history would become shorter than an auditor's is refused and fails
  the task after the others are done.
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
    description="Weekly: erasure purge, catalog optimize and vacuum, a verify of a sample of packs, and retention expiry",
    doc_md=__doc__,
    schedule="0 7 * * 0",  # Sundays, after the daily run
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["lakevault"],
) as dag:
    purge = step_task("catalog_purge", ["catalog", "purge"], timedelta(hours=6))
    optimize = step_task("catalog_optimize", ["catalog", "optimize"], timedelta(hours=6))
    vacuum_plan = step_task("catalog_vacuum_plan", ["catalog", "vacuum", "--dry-run"], timedelta(hours=2))
    vacuum = step_task("catalog_vacuum", ["catalog", "vacuum"], timedelta(hours=6))
    # Packs still thawing are not a failure of the first pass: it is what requests the thaws.
    request = step_task("verify_request", [*VERIFY, "--thawing-exit-code", "0"], timedelta(hours=6))
    wait = TimeDeltaSensor(task_id="wait_for_thaw", delta=timedelta(hours=49), mode="reschedule", poke_interval=3600)
    check = step_task("verify_check", VERIFY, timedelta(hours=12))
    expire_plan = step_task("expire_plan", ["expire", "--dry-run"], timedelta(hours=2))
    expire = step_task("expire", ["expire"], timedelta(hours=6))
    # Expiry before the verify sample, so the sample is drawn from packs that stay.
    purge >> optimize >> vacuum_plan >> vacuum >> expire_plan >> expire >> request >> wait >> check
