"""Server-side input validation, worded as AWS's services word it."""

from __future__ import annotations

import pytest

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.validate import validate


def _error(service: str, operation: str, params: dict, protocol: str | None = None) -> ServiceError:
    model = load_service(service)
    with pytest.raises(ServiceError) as info:
        validate(model.operation(operation), params, protocol or model.protocol)
    return info.value


def _ok(service: str, operation: str, params: dict) -> None:
    model = load_service(service)
    validate(model.operation(operation), params, model.protocol)


def test_missing_required_member():
    error = _error("dynamodb", "DescribeTable", {})
    assert (error.code, error.status) == ("ValidationException", 400)
    assert error.message == ("1 validation error detected: Value null at 'tableName' failed to satisfy "
                             "constraint: Member must not be null")


def test_nested_list_paths_and_enum():
    error = _error("dynamodb", "CreateTable", {
        "TableName": "t",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "SORT"}],
        "AttributeDefinitions": [{"AttributeName": "id"}],
    })
    assert error.message == (
        "2 validation errors detected: "
        "Value null at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: "
        "Member must not be null; "
        "Value 'SORT' at 'keySchema.2.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]"
    )


def test_numeric_range():
    error = _error("dynamodb", "Scan", {"TableName": "t", "Limit": 0})
    assert error.message == ("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                             "Member must have value greater than or equal to 1")


def test_list_length():
    error = _error("dynamodb", "BatchGetItem", {"RequestItems": {}})
    assert "Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than " \
           "or equal to 1" in error.message


def test_pattern_is_reported_before_length_and_query_services_say_validation_error():
    error = _error("sts", "AssumeRole", {"RoleArn": "", "RoleSessionName": "s"})
    assert error.code == "ValidationError"
    assert error.message.startswith(
        "3 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ")
    assert error.message.index("regular expression") < error.message.index(
        "Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20")
    assert error.message.endswith("Value 's' at 'roleSessionName' failed to satisfy constraint: "
                                  "Member must have length greater than or equal to 2")


def test_lambda_pattern_and_length():
    error = _error("lambda", "GetFunction", {"FunctionName": "has space"})
    assert error.code == "ValidationException"
    assert "Value 'has space' at 'functionName' failed to satisfy constraint: Member must satisfy regular " \
           "expression pattern" in error.message
    _ok("lambda", "GetFunction", {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f"})


def test_unicode_category_patterns_are_enforced():
    _ok("iam", "TagRole", {"RoleName": "r", "Tags": [{"Key": "Ünïcode tag", "Value": "v"}]})
    error = _error("iam", "TagRole", {"RoleName": "r", "Tags": [{"Key": "bad*key", "Value": "v"}]})
    assert "Value 'bad*key' at 'tags.1.member.key'" in error.message


def test_logs_words_validation_its_own_way():
    error = _error("logs", "CreateLogGroup", {"logGroupName": ""})
    assert error.code == "InvalidParameterException"
    assert error.message.startswith("2 validation errors detected: Value '' at 'logGroupName' failed to satisfy "
                                    "constraint: Member must satisfy regular expression pattern: ")


def test_sqs_answers_missing_parameter():
    error = _error("sqs", "SendMessage", {"MessageBody": "x"})
    assert (error.code, error.message) == ("MissingParameter", "The request must contain the parameter QueueUrl.")
    _ok("sqs", "ChangeMessageVisibility", {"QueueUrl": "q", "ReceiptHandle": "r", "VisibilityTimeout": 10 ** 6})


def test_s3_validates_itself():
    _ok("s3", "PutObject", {})


def test_recursive_shapes_and_map_paths():
    deep = {"M": {"a": {"L": [{"M": {"b": {"S": "x"}}}]}}}
    _ok("dynamodb", "PutItem", {"TableName": "t", "Item": {"id": deep}})
    error = _error("dynamodb", "PutItem", {"TableName": "t", "Item": {"id": {"S": "x"}},
                                           "ReturnValues": "EVERYTHING"})
    assert "Value 'EVERYTHING' at 'returnValues'" in error.message


def test_wrong_json_types_are_serialization_errors():
    error = _error("dynamodb", "DescribeTable", {"TableName": 5})
    assert (error.code, error.message) == ("SerializationException", "NUMBER_VALUE can not be converted to a String")
    assert _error("dynamodb", "Scan", {"TableName": "t", "Limit": "5"}).message == \
        "STRING_VALUE can not be converted to an Integer"
    assert _error("dynamodb", "Scan", {"TableName": "t", "AttributesToGet": "a"}).code == "SerializationException"
    assert _error("dynamodb", "Scan", {"TableName": "t", "Limit": True}).code == "SerializationException"


def test_query_protocol_values_are_not_type_checked():
    # the query parser has already turned the strings into the model's types; nothing to re-check
    _ok("sts", "GetCallerIdentity", {})


def test_blob_values_print_like_java_buffers():
    error = _error("firehose", "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b"x" * 1024001}})
    assert "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data'" in error.message


def test_sensitive_values_are_not_echoed():
    error = _error("cognito-idp", "SignUp", {"ClientId": "c", "Username": "u", "Password": ""})
    assert "Value at 'password' failed to satisfy constraint" in error.message


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", "Grüße 2024", "a*b"),
    (r"[\w-_]*", "a-b_c", "a b"),
    (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*", "emoji 😀 ok", "bell \x07"),
    (r"\p{ASCII}*", "plain", "ünï"),
    (r"[^\p{Cntrl}]*", "visible", "tab\x01"),
])
def test_java_patterns_translate(pattern, good, bad):
    from cloudlet.aws.validate import compile_pattern

    compiled = compile_pattern(pattern)
    assert compiled is not None
    assert compiled.fullmatch(good) and not compiled.fullmatch(bad)
