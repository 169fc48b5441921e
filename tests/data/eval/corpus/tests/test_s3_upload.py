import boto3
from moto import mock_aws


@mock_aws
def test_upload(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="exports")
