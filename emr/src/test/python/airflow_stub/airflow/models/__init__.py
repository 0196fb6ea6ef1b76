import os


class Variable:
    """Airflow Variables; like Airflow, AIRFLOW_VAR_<NAME> environment variables provide them."""

    @staticmethod
    def get(key, default_var=KeyError):
        value = os.environ.get("AIRFLOW_VAR_" + key.upper())
        if value is None:
            if default_var is KeyError:
                raise KeyError(f"Variable {key} does not exist")
            return default_var
        return value
