import boto3


class S3Hook:
    def __init__(self, aws_conn_id="aws_default", **kwargs):
        self.conn = boto3.client("s3")

    def read_key(self, key, bucket_name=None):
        return self.conn.get_object(Bucket=bucket_name, Key=key)["Body"].read().decode("utf-8")
