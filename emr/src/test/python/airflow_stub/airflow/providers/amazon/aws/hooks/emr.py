import boto3


class EmrHook:
    """boto3's EMR client, as the provider's hook exposes it; AWS_ENDPOINT_URL points it at an emulator."""

    def __init__(self, aws_conn_id="aws_default", **kwargs):
        self.conn = boto3.client("emr")
