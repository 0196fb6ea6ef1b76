from airflow._graph import BaseOperator


class EmrAddStepsOperator(BaseOperator):
    # The provider's documented arguments (apache-airflow-providers-amazon, operators/emr.py).
    ALLOWED = {"job_flow_id", "job_flow_name", "cluster_states", "aws_conn_id", "steps", "wait_for_completion",
               "waiter_delay", "waiter_max_attempts", "execution_role_arn", "deferrable", "do_xcom_push"}
