"""boto3 against `lakevault serve-s3`: what ServeS3Test checks, printed as one JSON document.

Usage: serve_s3_boto3.py ENDPOINT ACCESS_KEY_ID SECRET BUCKET PREFIX COLD_BUCKET COLD_KEY
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, bucket, prefix, cold_bucket, cold_key = sys.argv[1:8]


def client(secret_key, signature="s3v4"):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret_key,
                        region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      signature_version=signature))


def error(call):
    try:
        call()
        return None
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}


s3 = client(secret)
out = {"keys": {}, "pages": 0, "versions": [], "errors": {}}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": 5}):
    out["pages"] += 1
    for o in page.get("Contents", []):
        out["keys"][o["Key"]] = o["Size"]
for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix,
                                                             PaginationConfig={"PageSize": 4}):
    for v in page.get("Versions", []):
        out["versions"].append([v["Key"], v["VersionId"], v["IsLatest"], v["Size"]])
    for m in page.get("DeleteMarkers", []):
        out["versions"].append([m["Key"], m["VersionId"], m["IsLatest"], -1])
first = sorted(out["keys"])[0]
body = s3.get_object(Bucket=bucket, Key=first)
out["first"] = {"key": first, "hex": body["Body"].read().hex(), "etag": body["ETag"], "type": body["ContentType"],
                "metadata": body["Metadata"], "version": body["VersionId"]}
ranged = s3.get_object(Bucket=bucket, Key=first, Range="bytes=3-12")
out["range"] = {"hex": ranged["Body"].read().hex(), "content_range": ranged["ContentRange"]}
head = s3.head_object(Bucket=bucket, Key=first)
out["head"] = {"length": head["ContentLength"], "etag": head["ETag"], "storage_class": head.get("StorageClass")}
out["if_match"] = error(lambda: s3.get_object(Bucket=bucket, Key=first, IfMatch='"0000"'))
out["errors"]["cold"] = error(lambda: s3.get_object(Bucket=cold_bucket, Key=cold_key))
out["errors"]["range"] = error(lambda: s3.get_object(Bucket=bucket, Key=first, Range="bytes=99999999-"))
out["errors"]["bucket"] = error(lambda: s3.list_objects_v2(Bucket="no-such-archived-bucket"))
out["errors"]["key"] = error(lambda: s3.get_object(Bucket=bucket, Key=prefix + "no/such/key"))
out["errors"]["version"] = error(lambda: s3.get_object(Bucket=bucket, Key=first, VersionId="no-such-version"))
out["errors"]["put"] = error(lambda: s3.put_object(Bucket=bucket, Key="new-object", Body=b"x"))
out["errors"]["delete"] = error(lambda: s3.delete_object(Bucket=bucket, Key=first))
out["errors"]["signature"] = error(lambda: client(secret + "x").list_objects_v2(Bucket=bucket))
out["presigned"] = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": first}, ExpiresIn=600)
# boto3's default presigning in us-east-1 is Signature Version 2, which the endpoint refuses and says so.
out["presigned_v2"] = client(secret, "s3").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": first},
                                                                  ExpiresIn=600)
print(json.dumps(out))
