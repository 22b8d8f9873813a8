"""SES v2 errors, and how the mail domain's errors read in this API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cloudlet.aws.errors import ServiceError
from cloudlet.services.mail import errors as mail


class NotFoundException(ServiceError):
    code, status = "NotFoundException", 404


class AlreadyExistsException(ServiceError):
    code, status = "AlreadyExistsException", 400


class BadRequestException(ServiceError):
    code, status = "BadRequestException", 400


class MessageRejected(ServiceError):
    code, status = "MessageRejected", 400


_TRANSLATION: dict[type[mail.MailError], type[ServiceError]] = {
    mail.NotVerified: MessageRejected,
    mail.InvalidMessage: BadRequestException,
    mail.TemplateMissing: NotFoundException,
    mail.TemplateExists: AlreadyExistsException,
    mail.InvalidTemplate: BadRequestException,
    mail.MissingAttribute: BadRequestException,
}


@contextmanager
def reported() -> Iterator[None]:
    try:
        yield
    except mail.MailError as exc:
        raise _TRANSLATION[type(exc)](exc.message) from None
