from cloudlet.aws.errors import ServiceError


class ValidationError(ServiceError):
    code, status = "ValidationError", 400


class MalformedPolicyDocument(ServiceError):
    code, status = "MalformedPolicyDocument", 400
