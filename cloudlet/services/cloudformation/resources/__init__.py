"""Resource types CloudFormation can deploy: type -> "module:Class", imported on first use.

Each service's types live in one module here; adding a service's types (API Gateway,
CloudFront, ...) is a module plus its lines in this table. A type missing here fails stack
validation naming it.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.services.cloudformation.resources.base import ResourceType

_PACKAGE = "cloudlet.services.cloudformation.resources"

TYPES: dict[str, str] = {
    "AWS::S3::Bucket": "s3:Bucket",
    "AWS::S3::BucketPolicy": "s3:BucketPolicy",
    "AWS::DynamoDB::Table": "dynamodb:Table",
    "AWS::SQS::Queue": "sqs:Queue",
    "AWS::SQS::QueuePolicy": "sqs:QueuePolicy",
    "AWS::SNS::Topic": "sns:Topic",
    "AWS::SNS::Subscription": "sns:Subscription",
    "AWS::SNS::TopicPolicy": "sns:TopicPolicy",
    "AWS::Lambda::Function": "lambda_:Function",
    "AWS::Lambda::Permission": "lambda_:Permission",
    "AWS::Lambda::EventSourceMapping": "lambda_:EventSourceMapping",
    "AWS::Lambda::Version": "lambda_:Version",
    "AWS::Lambda::Alias": "lambda_:Alias",
    "AWS::Lambda::LayerVersion": "lambda_layers_urls:LayerVersion",
    "AWS::Lambda::Url": "lambda_layers_urls:Url",
    "AWS::Lambda::EventInvokeConfig": "lambda_:EventInvokeConfig",
    "AWS::ApiGateway::RestApi": "apigateway:RestApi",
    "AWS::ApiGateway::Resource": "apigateway:Resource",
    "AWS::ApiGateway::Method": "apigateway:Method",
    "AWS::ApiGateway::Deployment": "apigateway:Deployment",
    "AWS::ApiGateway::Stage": "apigateway:Stage",
    "AWS::ApiGateway::ApiKey": "apigateway:ApiKey",
    "AWS::ApiGateway::UsagePlan": "apigateway:UsagePlan",
    "AWS::ApiGateway::UsagePlanKey": "apigateway:UsagePlanKey",
    "AWS::CloudFront::Distribution": "cloudfront:Distribution",
    "AWS::CloudFront::OriginAccessControl": "cloudfront:OriginAccessControl",
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": "cloudfront:OriginAccessIdentity",
    "AWS::CloudFront::PublicKey": "cloudfront:PublicKey",
    "AWS::CloudFront::KeyGroup": "cloudfront:KeyGroup",
    "AWS::SES::EmailIdentity": "ses:EmailIdentity",
    "AWS::SES::Template": "ses:Template",
    "AWS::IAM::Role": "iam:Role",
    "AWS::IAM::Policy": "iam:Policy",
    "AWS::IAM::ManagedPolicy": "iam:ManagedPolicy",
    "AWS::Logs::LogGroup": "logs:LogGroup",
    "AWS::Events::EventBus": "events:EventBus",
    "AWS::Events::Rule": "events:Rule",
    "AWS::ApiGatewayV2::Api": "apigatewayv2:Api",
    "AWS::ApiGatewayV2::Stage": "apigatewayv2:Stage",
    "AWS::ApiGatewayV2::Route": "apigatewayv2:Route",
    "AWS::ApiGatewayV2::Integration": "apigatewayv2:Integration",
    "AWS::ApiGatewayV2::Authorizer": "apigatewayv2:Authorizer",
    "AWS::ApiGatewayV2::Deployment": "apigatewayv2:Deployment",
    "AWS::ApiGatewayV2::RouteResponse": "apigatewayv2:RouteResponse",
    "AWS::ApiGatewayV2::IntegrationResponse": "apigatewayv2:IntegrationResponse",
}


def known(type_name: str) -> bool:
    return type_name in TYPES


@cache
def handler(type_name: str) -> ResourceType:
    module, _, name = TYPES[type_name].partition(":")
    return getattr(importlib.import_module(f"{_PACKAGE}.{module}"), name)()
