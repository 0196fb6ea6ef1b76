"""A stand-in for the parts of Apache Airflow 2.9+ the lakevault DAGs use (Airflow is not installable on
the build machine). It records what the DAG files build, so a test can check task order, parameters and
the arguments each step passes, and it refuses keyword arguments the real classes do not take, so a
misspelled operator argument fails the build instead of the first deployment."""
from airflow._graph import DAG  # noqa: F401
