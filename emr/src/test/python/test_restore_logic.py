"""The restore DAG's decisions, run with python3 -m unittest against the Airflow stand-in. The poke test
needs an EMR emulator: io.lakevault.ops.AirflowDagsTest sets AWS_ENDPOINT_URL (moto_server) and the
AIRFLOW_VAR_* variables, and creates the cluster."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "airflow_stub"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "airflow"))

from airflow.exceptions import AirflowFailException  # noqa: E402

import lakevault_common as c  # noqa: E402

PARAMS = {"selectors": "--prefix s3://acme-trading-logs/app=settlement/ --glob '**/*.json'", "as_of": "2026-06-30T00:00:00Z",
          "to": "s3://acme-restores/case-4711/", "tier": "Standard", "days": 5, "export": False, "overwrite": True}


class RestoreArgsTest(unittest.TestCase):
    def test_params_become_one_command_line(self):
        self.assertEqual(c.restore_args(PARAMS), [
            "restore", "--prefix", "s3://acme-trading-logs/app=settlement/", "--glob", "**/*.json",
            "--as-of", "2026-06-30T00:00:00Z", "--to", "s3://acme-restores/case-4711/", "--tier", "Standard",
            "--days", "5", "--overwrite"])

    def test_export_never_overwrites(self):
        args = c.restore_args({**PARAMS, "export": True})
        self.assertEqual(args[0], "export")
        self.assertNotIn("--overwrite", args)

    def test_options_the_dag_owns_are_refused(self):
        for owned in ("--to x", "--report s3://a/b", "--thawing-exit-code 1", "--wait"):
            with self.assertRaisesRegex(AirflowFailException, owned.split()[0]):
                c.restore_args({**PARAMS, "selectors": "--prefix p/ " + owned})

    def test_an_empty_selection_is_refused(self):
        with self.assertRaisesRegex(AirflowFailException, "whole archive"):
            c.restore_args({**PARAMS, "selectors": "", "as_of": ""})


class NextActionTest(unittest.TestCase):
    def test_each_state(self):
        self.assertEqual(c.next_action(None, None), "submit")
        for s in ("PENDING", "RUNNING", "CANCEL_PENDING"):
            self.assertEqual(c.next_action(s, None), "wait")
        self.assertEqual(c.next_action("COMPLETED", "thawing"), "submit")
        self.assertEqual(c.next_action("COMPLETED", "done"), "done")

    def test_failures(self):
        for s in ("FAILED", "CANCELLED", "INTERRUPTED"):
            with self.assertRaisesRegex(RuntimeError, s):  # retried as a task
                c.next_action(s, None)
        for status in ("failed", "incomplete", None):
            with self.assertRaises(AirflowFailException):  # not retried: objects were not written
                c.next_action("COMPLETED", status)

    def test_step_names_differ_per_try_and_are_safe(self):
        name = c.restore_step_name("manual__2026-11-24T21:00:00+00:00", 2)
        self.assertEqual(name, "lakevault-restore-manual__2026-11-24T21_00_00_00_00-try2")


@unittest.skipUnless(os.environ.get("AIRFLOW_VAR_LAKEVAULT_CLUSTER_ID"), "needs the EMR emulator (AirflowDagsTest)")
class PokeAgainstEmrTest(unittest.TestCase):
    def test_first_poke_submits_one_step_and_the_next_waits_for_it(self):
        import boto3
        emr = boto3.client("emr")
        cluster = os.environ["AIRFLOW_VAR_LAKEVAULT_CLUSTER_ID"]
        args = c.restore_args(PARAMS)
        run_id = "manual__2026-11-24T21:00:00+00:00"
        self.assertIsNone(c.poke_restore(args, run_id, 1))
        self.assertIsNone(c.poke_restore(args, run_id, 1))  # the emulator keeps the step running
        mine = [s for s in emr.list_steps(ClusterId=cluster)["Steps"] if s["Name"] == c.restore_step_name(run_id, 1)]
        self.assertEqual(len(mine), 1, "a running step must not be submitted twice")
        step_args = mine[0]["Config"]["Args"]
        uri = os.environ["AIRFLOW_VAR_LAKEVAULT_REPORTS_URI"] + "/restore-dag/manual__2026-11-24T21_00_00_00_00/restore.json"
        self.assertEqual(step_args[:10], ["spark-submit", "--deploy-mode", "cluster", "--class", "io.lakevault.cli.Main",
                                          "--conf", "spark.yarn.maxAppAttempts=1", os.environ["AIRFLOW_VAR_LAKEVAULT_JAR"],
                                          "--config", os.environ["AIRFLOW_VAR_LAKEVAULT_CONFIG"]])
        self.assertEqual(step_args[10:], args + ["--thawing-exit-code", "0", "--report", uri])
        # A retry of the task is a new try: it submits its own step rather than adopting the old one.
        self.assertIsNone(c.poke_restore(args, run_id, 2))
        names = [s["Name"] for s in emr.list_steps(ClusterId=cluster)["Steps"]]
        self.assertIn(c.restore_step_name(run_id, 2), names)


if __name__ == "__main__":
    unittest.main()
