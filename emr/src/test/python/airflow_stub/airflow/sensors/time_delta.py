from airflow._graph import SENSOR_ARGS, BaseOperator


class TimeDeltaSensor(BaseOperator):
    ALLOWED = {"delta"} | SENSOR_ARGS
