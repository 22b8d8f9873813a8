"""Body details the round-trip test cannot reach: legacy names, ordering, XML attributes."""

from __future__ import annotations

from cloudlet.aws.model import load_service
from cloudlet.aws.parsing import create_parser
from cloudlet.edge.types import Body, Headers, Request

FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")


def _parse(service: str, protocol: str, request: Request) -> dict:
    parser = create_parser(load_service(service), protocol)
    return parser.parse(request, parser.operation(request))


def _form(body: str) -> Request:
    return Request("POST", "/", "", Headers([FORM]), Body(body.encode()))


def test_sqs_query_accepts_the_names_older_sdks_send():
    body = ("Action=SendMessage&Version=2012-11-05&QueueUrl=q&MessageBody=hi"
            "&MessageAttribute.1.Name=color&MessageAttribute.1.Value.DataType=String"
            "&MessageAttribute.1.Value.StringValue=blue"
            "&MessageAttribute.2.Name=sizes&MessageAttribute.2.Value.DataType=String.Array"
            "&MessageAttribute.2.Value.StringListValue.1=s&MessageAttribute.2.Value.StringListValue.2=m")
    assert _parse("sqs", "query", _form(body)) == {
        "QueueUrl": "q", "MessageBody": "hi", "MessageAttributes": {
            "color": {"DataType": "String", "StringValue": "blue"},
            "sizes": {"DataType": "String.Array", "StringListValues": ["s", "m"]},
        },
    }
    body = ("Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=DelaySeconds"
            "&Attribute.1.Value=5&Tag.1.Key=team&Tag.1.Value=a")
    assert _parse("sqs", "query", _form(body)) == {
        "QueueName": "q", "Attributes": {"DelaySeconds": "5"}, "tags": {"team": "a"}}
    body = ("Action=DeleteMessageBatch&Version=2012-11-05&QueueUrl=q"
            "&DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=r")
    assert _parse("sqs", "query", _form(body))["Entries"] == [{"Id": "a", "ReceiptHandle": "r"}]


def test_sqs_query_get_with_parameters_in_the_url():
    request = Request("GET", "/000000000000/q", "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=q"
                      "&AttributeName.1=All&MaxNumberOfMessages=10", Headers([]))
    assert _parse("sqs", "query", request) == {
        "QueueUrl": "q", "AttributeNames": ["All"], "MaxNumberOfMessages": 10}


def test_query_list_items_are_ordered_by_number_not_arrival():
    body = ("Action=GetMetricStatistics&Version=2010-08-01&Namespace=n&MetricName=m&Period=60"
            "&StartTime=2020-01-01T00:00:00Z&EndTime=2020-01-01T01:00:00Z"
            "&Statistics.member.10=Sum&Statistics.member.2=Maximum&Statistics.member.1=Average")
    params = _parse("cloudwatch", "query", _form(body))
    assert params["Statistics"] == ["Average", "Maximum", "Sum"]
    assert params["Period"] == 60


def test_query_empty_list_and_map_entries():
    body = "Action=CreateTopic&Version=2010-03-31&Name=t&Tags=&Attributes.entry.1.key=Policy&Attributes.entry.1.value={}"
    assert _parse("sns", "query", _form(body)) == {"Name": "t", "Tags": [], "Attributes": {"Policy": "{}"}}


def test_xml_attributes_are_found_by_local_name():
    body = (b'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><AccessControlList>'
            b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
            b"<ID>abc</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList>"
            b"<Owner><ID>abc</ID></Owner></AccessControlPolicy>")
    request = Request("PUT", "/b", "acl", Headers([("Host", "localhost:4566")]), Body(body))
    assert _parse("s3", "rest-xml", request)["AccessControlPolicy"] == {
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "READ"}],
        "Owner": {"ID": "abc"},
    }


def test_xml_flattened_lists_collect_repeated_elements():
    body = (b"<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>1</VersionId></Object>"
            b"<Quiet>true</Quiet></Delete>")
    request = Request("POST", "/b", "delete", Headers([("Host", "localhost:4566")]), Body(body))
    assert _parse("s3", "rest-xml", request)["Delete"] == {
        "Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "1"}], "Quiet": True}


def test_rest_json_null_members_are_absent_and_unknown_keys_ignored():
    body = b'{"FunctionName": "f", "Role": null, "Surprise": 1, "Timeout": 3}'
    request = Request("POST", "/2015-03-31/functions", "", Headers([]), Body(body))
    assert _parse("lambda", "rest-json", request) == {"FunctionName": "f", "Timeout": 3}


def test_empty_bodies_read_as_no_members():
    assert _parse("lambda", "rest-json", Request("POST", "/2015-03-31/functions", "", Headers([]))) == {}
    request = Request("POST", "/", "", Headers([("X-Amz-Target", "DynamoDB_20120810.ListTables")]))
    assert _parse("dynamodb", "json", request) == {}
