"""The services and protocols both conformance tests check, in one place."""

# service -> the protocols it is checked in (SQS and CloudWatch still answer older clients).
CORE_SERVICES: dict[str, tuple[str, ...]] = {
    "s3": ("rest-xml",),
    "dynamodb": ("json",),
    "dynamodbstreams": ("json",),
    "sqs": ("json", "query"),
    "sns": ("query",),
    "ses": ("query",),
    "sesv2": ("rest-json",),
    "lambda": ("rest-json",),
    "apigateway": ("rest-json",),
    "apigatewayv2": ("rest-json",),
    "cloudfront": ("rest-xml",),
    "cloudformation": ("query",),
    "stepfunctions": ("json",),
    "events": ("json",),
    "cognito-idp": ("json",),
    "sts": ("query",),
    "iam": ("query",),
    "kinesis": ("json",),
    "firehose": ("json",),
    "logs": ("json",),
    "cloudwatch": ("smithy-rpc-v2-cbor", "json", "query"),
    "route53": ("rest-xml",),
}
