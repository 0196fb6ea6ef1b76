import inspect

_current = []
DAGS = []

# Arguments of BaseOperator (airflow.models.baseoperator) the DAGs may pass to any task.
BASE_ARGS = {"task_id", "owner", "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay",
             "execution_timeout", "on_failure_callback", "on_success_callback", "on_retry_callback",
             "depends_on_past", "email", "email_on_failure", "email_on_retry", "pool", "queue", "priority_weight",
             "trigger_rule", "sla", "doc_md", "max_active_tis_per_dag"}
SENSOR_ARGS = {"poke_interval", "timeout", "mode", "soft_fail", "exponential_backoff"}
DAG_ARGS = {"dag_id", "description", "doc_md", "schedule", "start_date", "end_date", "catchup", "max_active_runs",
            "max_active_tasks", "dagrun_timeout", "default_args", "tags", "params", "render_template_as_native_obj",
            "on_failure_callback", "on_success_callback"}


def check_args(kind, given, allowed):
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"{kind} got unexpected keyword argument(s) {unknown}")


class DAG:
    def __init__(self, dag_id, **kwargs):
        check_args("DAG", kwargs, DAG_ARGS)
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = {}
        DAGS.append(self)

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()


class Task:
    """A task node: its operator, its arguments (defaults merged as Airflow does) and its upstreams."""

    def __init__(self, operator, task_id, kwargs, callable_=None):
        if not _current:
            raise RuntimeError(f"task {task_id} created outside a DAG")
        self.dag = _current[-1]
        if task_id in self.dag.tasks:
            raise ValueError(f"duplicate task_id {task_id}")
        self.operator = operator
        self.task_id = task_id
        self.kwargs = {**self.dag.kwargs.get("default_args", {}), **kwargs}
        self.callable = callable_
        self.upstream = []
        self.dag.tasks[task_id] = self

    def set_downstream(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            o = o.task if isinstance(o, XComArg) else o
            if self.task_id not in o.upstream:
                o.upstream.append(self.task_id)
        return other

    def __rshift__(self, other):
        self.set_downstream(other)
        return other


class XComArg:
    """What calling a @task function returns: its task, to pass to others."""

    def __init__(self, task):
        self.task = task

    def __rshift__(self, other):
        return self.task >> other


class BaseOperator(Task):
    ALLOWED = set()

    def __init__(self, task_id, **kwargs):
        check_args(type(self).__name__, kwargs, self.ALLOWED | BASE_ARGS | self.EXTRA)
        super().__init__(type(self).__name__, task_id, kwargs)

    EXTRA = set()


def signature_args(fn):
    return [p for p in inspect.signature(fn).parameters]
