import boto3


class SnsHook:
    def __init__(self, aws_conn_id="aws_default", **kwargs):
        self.conn = boto3.client("sns")

    def publish_to_target(self, target_arn, message, subject=None, message_attributes=None):
        kwargs = {"Subject": subject} if subject else {}
        return self.conn.publish(TargetArn=target_arn, Message=message, **kwargs)
