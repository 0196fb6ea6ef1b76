"""lakevault restore or export, triggered with parameters.

Trigger it from the UI or API with params, for example
    {"selectors": "--prefix s3://acme-trading-logs/app=settlement/", "as_of": "2026-06-30T00:00:00Z",
     "to": "s3://acme-restores/case-4711/", "tier": "Bulk", "export": true}

1. command: builds and checks the lakevault command line from the params.
2. plan: a dry run on EMR: what would be read, from how many packs, and the cost and time per tier
   (in its report and the step log). Bad selectors fail here, before anything is thawed.
3. thaw_and_extract: requests the thaw of the packs needed, then re-runs the same command every hour
   while the report says packs are thawing (exit code 3 on the command line; EMR steps cannot pass exit
   codes on, so the step runs with --thawing-exit-code 0 and the sensor reads the report). Each run
   extracts what is readable, so a pack thawed early never expires while the others thaw.
4. report: the final report's counts, with its location.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowFailException
from airflow.models.param import Param
from airflow.sensors.base import PokeReturnValue

from lakevault_common import DEFAULT_ARGS, poke_restore, read_report, report_uri, restore_args, run_and_wait

with DAG(
    dag_id="lakevault_restore",
    description="Thaw, extract, verify and write back (or export) archived versions",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=4,  # runs queue as EMR steps on the one cluster; each is its own request
    default_args=DEFAULT_ARGS,
    tags=["lakevault", "restore"],
    params={
        "selectors": Param("", type="string", description="lakevault selector options as on the command line:"
                           " --prefix, --bucket, --keys, --glob, --class, --rule, --version-id, --all-versions, ..."),
        "as_of": Param("", type="string", description="ISO-8601 time: the versions current then (empty: latest)"),
        "to": Param("original", type="string", description="s3://bucket/prefix, or original (back where each came from)"),
        "tier": Param("Bulk", enum=["Bulk", "Standard", "Expedited"], description="Glacier restore tier"),
        "days": Param(3, type="integer", minimum=1, maximum=30, description="days thawed pack copies are kept"),
        "export": Param(False, type="boolean", description="export with manifests for auditors instead of restore"),
        "overwrite": Param(False, type="boolean", description="replace newer objects at the target (restore only)"),
    },
) as dag:

    @task
    def command(params=None):
        return restore_args(params)

    @task(retries=1)
    def plan(args, run_id=None):
        uri = report_uri(run_id, "plan")
        run_and_wait(f"lakevault-restore-plan-{run_id}"[:256], [*args, "--dry-run", "--report", uri],
                     "lakevault_restore_role_arn")
        report = read_report(uri)
        return {"objects": report["objects"], "bytes": report["bytes"], "packs": report["packs"],
                "estimates": report["estimates"], "report": uri}

    @task.sensor(poke_interval=3600, timeout=timedelta(hours=72).total_seconds(), mode="reschedule")
    def thaw_and_extract(args, planned, run_id=None, ti=None):
        if planned["objects"] == 0:
            raise AirflowFailException("the selection matches no archived version; nothing to restore"
                                       f" (plan report: {planned['report']})")
        report = poke_restore(args, run_id, ti.try_number)
        return PokeReturnValue(is_done=report is not None, xcom_value=report)

    @task
    def report(final, run_id=None):
        states = final.get("object_states", {})
        summary = {"restore_id": final["restore_id"], "status": final["status"], "objects": final["objects"],
                   "object_states": states, "bytes_restored": final["bytes_restored"],
                   "manifest_sha256": final.get("manifest_sha256"), "report": report_uri(run_id, "restore")}
        print(summary)
        return summary

    args = command()
    planned = plan(args)
    report(thaw_and_extract(args, planned))
