from cloudlet.aws.errors import ServiceError


class NotFoundException(ServiceError):
    code, status = "NotFoundException", 404


class BadRequestException(ServiceError):
    code, status = "BadRequestException", 400


class ConflictException(ServiceError):
    code, status = "ConflictException", 409
