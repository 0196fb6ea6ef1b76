"""Shared pieces of the lakevault DAGs: the EMR step of a lakevault command, defaults, alerts, and the
logic that re-runs a restore until its packs have thawed.

Deploy this file with the DAG files (emr/README.md). Airflow 2.9 or later with the Amazon provider;
settings come from Airflow Variables, read when a task runs, never when the DAG file is parsed:

    lakevault_cluster_id        the EMR cluster the steps run on (step concurrency 1: one writer)
    lakevault_jar               s3:// URI of lakevault-emr.jar
    lakevault_config            s3:// URI of the lakevault.yaml the jobs read
    lakevault_reports_uri       s3:// prefix the restore DAG's JSON reports go to (under the catalog)
    lakevault_pipeline_role_arn optional: EMR runtime role of the daily and weekly steps
    lakevault_restore_role_arn  optional: EMR runtime role of restore steps
    lakevault_alert_topic_arn   optional: SNS topic told of every failed task
"""
import json
import logging
import re
import shlex
from datetime import timedelta
from urllib.parse import urlparse

from airflow.exceptions import AirflowFailException
from airflow.models import Variable
from airflow.providers.amazon.aws.hooks.emr import EmrHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.hooks.sns import SnsHook
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

log = logging.getLogger(__name__)

AWS_CONN_ID = "aws_default"
MAIN_CLASS = "io.lakevault.cli.Main"

# Jinja templates of the Variables, for templated operator fields.
CLUSTER_ID = "{{ var.value.lakevault_cluster_id }}"
JAR = "{{ var.value.lakevault_jar }}"
CONFIG = "{{ var.value.lakevault_config }}"
PIPELINE_ROLE = "{{ var.value.get('lakevault_pipeline_role_arn', '') }}"

# EMR step states (DescribeStep).
STEP_ACTIVE = ("PENDING", "CANCEL_PENDING", "RUNNING")
STEP_FAILED = ("CANCELLED", "FAILED", "INTERRUPTED")


def spark_step(name, lakevault_args, jar=JAR, config=CONFIG, action_on_failure="CONTINUE"):
    """One lakevault command as an EMR step: the same spark-submit line as emr/steps/*.json.

    Cluster deploy mode, so the driver runs on a core node and the primary node stays free; one YARN
    attempt, so a failed job is retried by Airflow (jobs converge on re-run) and never twice by YARN.
    """
    return {
        "Name": name,
        "ActionOnFailure": action_on_failure,
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", "--deploy-mode", "cluster", "--class", MAIN_CLASS,
                     "--conf", "spark.yarn.maxAppAttempts=1", jar, "--config", config, *lakevault_args],
        },
    }


def step_task(task_id, lakevault_args, limit):
    """A task that submits one lakevault step and waits for it, so an Airflow retry resubmits the step
    (every job converges on re-run); `limit` is the longest the job may take."""
    return EmrAddStepsOperator(
        task_id=task_id,
        job_flow_id=CLUSTER_ID,
        steps=[spark_step("lakevault-" + task_id.replace("_", "-"), lakevault_args)],
        execution_role_arn=PIPELINE_ROLE,
        aws_conn_id=AWS_CONN_ID,
        wait_for_completion=True,
        waiter_delay=60,
        waiter_max_attempts=int(limit.total_seconds() // 60),
        execution_timeout=limit + timedelta(minutes=30),
    )


def alert(context):
    """on_failure_callback: logs the failure and, when lakevault_alert_topic_arn is set, publishes it."""
    ti = context["task_instance"]
    message = (f"lakevault: {ti.dag_id}.{ti.task_id} failed (try {ti.try_number}) for run {context.get('run_id')}:"
               f" {context.get('exception')}\nLog: {ti.log_url}\nRunbook: docs/operations.md")
    log.error(message)
    topic = Variable.get("lakevault_alert_topic_arn", default_var=None)
    if topic:
        SnsHook(aws_conn_id=AWS_CONN_ID).publish_to_target(
            target_arn=topic, message=message, subject=f"lakevault {ti.dag_id}.{ti.task_id} failed")


DEFAULT_ARGS = {
    "owner": "data-platform",
    "depends_on_past": False,
    "retries": 2,
    "retry_delay": timedelta(minutes=15),
    "retry_exponential_backoff": True,
    "on_failure_callback": alert,
}


# ---------------------------------------------------------------- restore

def restore_args(params):
    """The lakevault command line of a restore DAG run, from its params; refuses what it cannot pass on."""
    selectors = shlex.split(params.get("selectors") or "")
    for owned in ("--to", "--tier", "--days", "--report", "--wait", "--dry-run", "--thawing-exit-code"):
        if owned in selectors:
            raise AirflowFailException(f"params.selectors must not contain {owned}: the DAG sets it from its own params")
    if not selectors and not params.get("as_of"):
        raise AirflowFailException("give params.selectors (e.g. --prefix s3://bucket/path/) or params.as_of;"
                                   " a restore of the whole archive is not started from a DAG")
    args = ["export" if params.get("export") else "restore", *selectors]
    if params.get("as_of"):
        args += ["--as-of", params["as_of"]]
    args += ["--to", params["to"], "--tier", params["tier"], "--days", str(params["days"])]
    if params.get("overwrite") and not params.get("export"):
        args.append("--overwrite")
    return args


def report_uri(run_id, name):
    """Where a restore DAG run's step writes its JSON report (Hadoop paths refuse ':' in a name)."""
    base = Variable.get("lakevault_reports_uri").rstrip("/")
    return f"{base}/restore-dag/{re.sub(r'[^A-Za-z0-9._-]', '_', run_id)}/{name}.json"


def read_report(uri):
    parsed = urlparse(uri)
    text = S3Hook(aws_conn_id=AWS_CONN_ID).read_key(parsed.path.lstrip("/"), bucket_name=parsed.netloc)
    return json.loads(text)


def next_action(step_state, report_status):
    """What a poke of the thaw sensor does, from the newest restore step of this run and its report.

    Returns "wait" (a step is running), "submit" (none yet, or the last one found packs still thawing),
    "done", or raises: a failed step or a report saying objects were not written is not retried here.
    """
    if step_state is None:
        return "submit"
    if step_state in STEP_ACTIVE:
        return "wait"
    if step_state in STEP_FAILED:
        raise RuntimeError(f"the restore step ended {step_state}; see its step log")  # retried as a task
    if step_state != "COMPLETED":
        raise AirflowFailException(f"unknown EMR step state {step_state}")
    if report_status == "thawing":
        return "submit"
    if report_status == "done":
        return "done"
    raise AirflowFailException(f"the restore finished with status {report_status!r}: some selected versions were"
                               " not written; the report names each (docs/restore.md)")


def restore_step_name(run_id, try_number):
    # One name per DAG run and task try: a retry starts afresh instead of finding the failed step.
    return f"lakevault-restore-{re.sub(r'[^A-Za-z0-9._-]', '_', run_id)}-try{try_number}"


def poke_restore(args, run_id, try_number):
    """One poke: find this run's newest restore step; wait for it, or read its report and decide.

    Stateless (the step name carries the run), so a rescheduled sensor needs no XCom between pokes,
    and idempotent: lakevault resumes the same request, re-checking only packs still thawing.
    Returns the final report when done, else None.
    """
    cluster_id = Variable.get("lakevault_cluster_id")
    emr = EmrHook(aws_conn_id=AWS_CONN_ID).conn
    name = restore_step_name(run_id, try_number)
    steps = [s for s in emr.list_steps(ClusterId=cluster_id)["Steps"] if s["Name"] == name]  # newest first
    state = steps[0]["Status"]["State"] if steps else None
    uri = report_uri(run_id, "restore")
    report = read_report(uri) if state == "COMPLETED" else None
    action = next_action(state, report.get("status") if report else None)
    log.info("restore step %s: %s, report %s: %s", name, state, uri, report.get("status") if report else None)
    if action == "done":
        return report
    if action == "submit":
        role = Variable.get("lakevault_restore_role_arn", default_var=None)
        step = spark_step(name, [*args, "--thawing-exit-code", "0", "--report", uri],
                          jar=Variable.get("lakevault_jar"), config=Variable.get("lakevault_config"))
        extra = {"ExecutionRoleArn": role} if role else {}
        ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step], **extra)["StepIds"]
        log.info("submitted restore step %s (%s)", ids[0], " ".join(args))
    return None


def run_and_wait(name, args, role_variable):
    """Submits one lakevault step and waits for it (the plan step: minutes, no thaw involved)."""
    cluster_id = Variable.get("lakevault_cluster_id")
    hook = EmrHook(aws_conn_id=AWS_CONN_ID)
    role = Variable.get(role_variable, default_var=None)
    step = spark_step(name, args, jar=Variable.get("lakevault_jar"), config=Variable.get("lakevault_config"))
    extra = {"ExecutionRoleArn": role} if role else {}
    step_id = hook.conn.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step], **extra)["StepIds"][0]
    hook.conn.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=step_id,
                                              WaiterConfig={"Delay": 30, "MaxAttempts": 240})
    return step_id
