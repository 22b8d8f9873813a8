"""cloudlet's responses read by real boto3 clients: handlers, exception classes and all.

Each client's HTTP send is replaced by cloudlet's serializer, so these check what a user's
code sees (`client.exceptions.NoSuchKey`, `e.response["Error"]["Code"]`, a parsed body)
without a server in between.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.edge.types import Response

WHEN = datetime(2024, 5, 17, 12, 30, 45, tzinfo=UTC)


class _Raw(io.BytesIO):
    """The urllib3 response botocore reads from: `stream()` for buffered, `read()` for streamed."""

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Any:
        data = self.read()
        if data:
            yield data


def client_answering(service: str, answer: Any, **kwargs: Any) -> Any:
    """A boto3 client whose every call is answered by `answer(operation)`: a dict or a ServiceError."""
    model = load_service(service)
    protocol = kwargs.pop("protocol", None)
    client = boto3.session.Session().client(
        service, region_name="us-east-1", endpoint_url="http://cloudlet.test",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}), **kwargs,
    )
    protocol = protocol or client.meta.service_model.resolved_protocol
    serializer = create_serializer(model, protocol)

    def send(request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = model.operation(event_name.rsplit(".", 1)[1])
        result = answer(operation.name)
        if isinstance(result, ServiceError):
            response = serializer.serialize_error(operation, result, "req-123")
        else:
            response = serializer.serialize_response(operation, result, "req-123")
        return to_aws_response(request.url, response)

    client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", send)
    return client


def to_aws_response(url: str, response: Response) -> AWSResponse:
    assert isinstance(response.body, bytes)
    headers = {name: value for name, value in response.headers.items()}
    return AWSResponse(url, response.status, headers, _Raw(response.body))


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


# --- S3 ---------------------------------------------------------------------------------------


def test_s3_bucket_location_is_the_root_text() -> None:
    s3 = client_answering("s3", lambda op: {"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket="b")["LocationConstraint"] == "eu-west-1"
    # us-east-1 is an empty constraint, which clients report as None.
    s3 = client_answering("s3", lambda op: {})
    assert s3.get_bucket_location(Bucket="b")["LocationConstraint"] is None


def test_s3_list_objects_round_trip_with_request_ids() -> None:
    listing = {
        "Name": "b", "Prefix": "", "KeyCount": 2, "MaxKeys": 1000, "IsTruncated": False,
        "Contents": [
            {"Key": "a & b.txt", "LastModified": WHEN, "ETag": '"abc"', "Size": 3, "StorageClass": "STANDARD"},
            {"Key": "c<d>", "LastModified": WHEN, "ETag": '"def"', "Size": 0, "StorageClass": "STANDARD"},
        ],
        "CommonPrefixes": [{"Prefix": "dir/"}],
    }
    s3 = client_answering("s3", lambda op: listing)
    result = s3.list_objects_v2(Bucket="b")
    assert [item["Key"] for item in result["Contents"]] == ["a & b.txt", "c<d>"]
    assert result["Contents"][0]["LastModified"] == WHEN
    assert result["CommonPrefixes"] == [{"Prefix": "dir/"}]
    meta = result["ResponseMetadata"]
    assert meta["RequestId"] == "req-123" and meta["HostId"]


def test_s3_get_object_streams_body_and_headers() -> None:
    s3 = client_answering("s3", lambda op: {
        "Body": b"hello world", "ContentLength": 11, "ContentType": "text/plain", "ETag": '"e"',
        "LastModified": WHEN, "Metadata": {"colour": "blue"}, "AcceptRanges": "bytes",
    })
    result = s3.get_object(Bucket="b", Key="k")
    assert result["Body"].read() == b"hello world"
    assert result["ContentType"] == "text/plain"
    assert result["LastModified"] == WHEN
    assert result["Metadata"] == {"colour": "blue"}


def test_s3_error_raises_the_modelled_exception() -> None:
    s3 = client_answering("s3", lambda op: ServiceError("The specified key does not exist.", code="NoSuchKey",
                                                       status=404, fields={"Key": "k"}))
    with pytest.raises(s3.exceptions.NoSuchKey) as caught:
        s3.get_object(Bucket="b", Key="k")
    error = caught.value.response
    assert error["Error"] == {"Code": "NoSuchKey", "Message": "The specified key does not exist.", "Key": "k"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["ResponseMetadata"]["RequestId"] == "req-123"


def test_s3_head_error_has_no_body_and_reports_the_status() -> None:
    s3 = client_answering("s3", lambda op: ServiceError("Not Found", code="NoSuchKey", status=404))
    error = error_of(lambda: s3.head_object(Bucket="b", Key="k"))
    assert error["Error"]["Code"] == "404"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_s3_error_with_modelled_fields() -> None:
    s3 = client_answering("s3", lambda op: ServiceError("archived", code="InvalidObjectState", status=403,
                                                       fields={"StorageClass": "GLACIER"}))
    with pytest.raises(s3.exceptions.InvalidObjectState) as caught:
        s3.get_object(Bucket="b", Key="k")
    assert caught.value.response["StorageClass"] == "GLACIER"


# --- JSON protocols -------------------------------------------------------------------------


def test_dynamodb_error_fields_reach_the_client() -> None:
    item = {"pk": {"S": "1"}, "n": {"N": "2"}}
    ddb = client_answering("dynamodb", lambda op: ServiceError(
        "The conditional request failed", code="ConditionalCheckFailedException", fields={"Item": item}))
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.put_item(TableName="t", Item={"pk": {"S": "1"}})
    assert caught.value.response["Item"] == item
    assert caught.value.response["Error"]["Message"] == "The conditional request failed"


def test_dynamodb_output_with_blobs_and_nested_values() -> None:
    item = {"pk": {"S": "1"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"M": {"x": {"BOOL": True}}}, {"NULL": True}]}}
    ddb = client_answering("dynamodb", lambda op: {"Item": item})
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "1"}})["Item"] == item


def test_sqs_keeps_the_query_era_code_and_the_exception_class() -> None:
    sqs = client_answering("sqs", lambda op: ServiceError("The specified queue does not exist.",
                                                         code="QueueDoesNotExist"))
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as caught:
        sqs.get_queue_url(QueueName="missing")
    assert caught.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert caught.value.response["Error"]["Type"] == "Sender"


def test_sqs_json_receive_message() -> None:
    message = {"MessageId": "m-1", "ReceiptHandle": "rh", "Body": "hi", "MD5OfBody": "x",
               "Attributes": {"SentTimestamp": "1700000000000"}}
    sqs = client_answering("sqs", lambda op: {"Messages": [message]})
    assert sqs.receive_message(QueueUrl="http://q")["Messages"] == [message]


def test_lambda_invoke_payload_status_and_function_error() -> None:
    lam = client_answering("lambda", lambda op: {"StatusCode": 200, "Payload": b'{"ok": true}',
                                                 "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST"})
    result = lam.invoke(FunctionName="f")
    assert result["StatusCode"] == 200
    assert result["FunctionError"] == "Unhandled"
    assert result["Payload"].read() == b'{"ok": true}'


def test_lambda_error_with_type_field() -> None:
    lam = client_answering("lambda", lambda op: ServiceError(
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f",
        code="ResourceNotFoundException", status=404, fields={"Type": "User"}))
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as caught:
        lam.get_function(FunctionName="f")
    assert caught.value.response["Type"] == "User"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_cloudwatch_timestamps_and_query_compatible_error() -> None:
    # boto3 speaks JSON to CloudWatch (the CBOR path is in test_response_conformance.py).
    cw = client_answering("cloudwatch", lambda op: {
        "MetricDataResults": [{"Id": "m1", "Label": "cpu", "Timestamps": [WHEN], "Values": [1.5],
                               "StatusCode": "Complete"}],
    })
    result = cw.get_metric_data(MetricDataQueries=[], StartTime=WHEN, EndTime=WHEN)
    assert result["MetricDataResults"][0]["Timestamps"] == [WHEN]
    assert result["MetricDataResults"][0]["Values"] == [1.5]
    cw = client_answering("cloudwatch", lambda op: ServiceError("no dashboard", code="DashboardNotFoundError",
                                                               status=404))
    error = error_of(lambda: cw.get_dashboard(DashboardName="d"))
    assert error["Error"]["Code"] == "ResourceNotFound"


# --- query and rest-xml ---------------------------------------------------------------------


def test_sts_caller_identity_and_request_id() -> None:
    sts = client_answering("sts", lambda op: {"UserId": "AIDA", "Account": "000000000000",
                                              "Arn": "arn:aws:iam::000000000000:root"})
    result = sts.get_caller_identity()
    assert result["Account"] == "000000000000"
    assert result["ResponseMetadata"]["RequestId"] == "req-123"


def test_sns_error_code_is_the_query_code() -> None:
    sns = client_answering("sns", lambda op: ServiceError("Topic does not exist", code="NotFoundException",
                                                         status=404))
    with pytest.raises(sns.exceptions.NotFoundException) as caught:
        sns.get_topic_attributes(TopicArn="arn:aws:sns:us-east-1:000000000000:t")
    assert caught.value.response["Error"] == {"Type": "Sender", "Code": "NotFound", "Message": "Topic does not exist"}


def test_iam_lists_and_timestamps() -> None:
    iam = client_answering("iam", lambda op: {
        "Roles": [{"Path": "/", "RoleName": "r", "RoleId": "AROA", "Arn": "arn:aws:iam::000000000000:role/r",
                   "CreateDate": WHEN}],
        "IsTruncated": False,
    })
    assert iam.list_roles()["Roles"][0]["CreateDate"] == WHEN


def test_cloudfront_error_in_error_response_wrapper() -> None:
    cf = client_answering("cloudfront", lambda op: ServiceError("The specified distribution does not exist.",
                                                               code="NoSuchDistribution", status=404))
    with pytest.raises(cf.exceptions.NoSuchDistribution) as caught:
        cf.get_distribution(Id="E123")
    assert caught.value.response["Error"]["Message"] == "The specified distribution does not exist."


def test_unmodelled_error_codes_pass_through_every_protocol() -> None:
    for service, call in [
        ("dynamodb", lambda c: c.list_tables()),
        ("sns", lambda c: c.list_topics()),
        ("lambda", lambda c: c.list_functions()),
        ("s3", lambda c: c.list_buckets()),
        ("cloudwatch", lambda c: c.list_dashboards()),
    ]:
        client = client_answering(service, lambda op: ServiceError("slow down", code="ThrottlingException",
                                                                   status=429))
        error = error_of(lambda client=client, call=call: call(client))
        assert error["Error"]["Code"] == "ThrottlingException", service
        assert error["Error"]["Message"] == "slow down", service
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 429, service
