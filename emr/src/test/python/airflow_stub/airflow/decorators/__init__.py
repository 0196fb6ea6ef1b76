import inspect

from airflow._graph import BASE_ARGS, SENSOR_ARGS, Task, XComArg, check_args

# Names Airflow fills from the task's context when a @task function declares them.
CONTEXT = {"params", "run_id", "ti", "task_instance", "dag_run", "ds", "logical_date"}


def _decorate(kind, allowed, fn=None, **task_kwargs):
    def wrap(f):
        check_args(f"@{kind}", task_kwargs, allowed)

        def call(*args, **kwargs):
            t = Task(kind, f.__name__, task_kwargs, callable_=f)
            for a in list(args) + list(kwargs.values()):
                if isinstance(a, XComArg):
                    a.task.set_downstream(t)
            positional = [p for p in inspect.signature(f).parameters if p not in CONTEXT]
            t.kwargs["op_args"] = [a.task.task_id if isinstance(a, XComArg) else a for a in args]
            if len(args) > len(positional):
                raise TypeError(f"{f.__name__} takes {len(positional)} task arguments, got {len(args)}")
            return XComArg(t)
        call.function = f
        return call
    return wrap(fn) if fn is not None else wrap


class _TaskDecorator:
    def __call__(self, fn=None, **kwargs):
        return _decorate("task", BASE_ARGS | {"multiple_outputs"}, fn, **kwargs)

    def sensor(self, fn=None, **kwargs):
        return _decorate("task.sensor", BASE_ARGS | SENSOR_ARGS, fn, **kwargs)


task = _TaskDecorator()
