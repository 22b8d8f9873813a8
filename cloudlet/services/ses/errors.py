"""SES (v1) errors, and how the mail domain's errors read in this API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cloudlet.aws.errors import ServiceError
from cloudlet.services.mail import errors as mail


class MessageRejected(ServiceError):
    code, status = "MessageRejected", 400


class InvalidParameterValue(ServiceError):
    code, status = "InvalidParameterValue", 400


class TemplateDoesNotExist(ServiceError):
    code, status = "TemplateDoesNotExist", 400


class AlreadyExists(ServiceError):
    code, status = "AlreadyExists", 400


class InvalidTemplate(ServiceError):
    code, status = "InvalidTemplate", 400


class MissingRenderingAttribute(ServiceError):
    code, status = "MissingRenderingAttribute", 400


class ConfigurationSetDoesNotExist(ServiceError):
    code, status = "ConfigurationSetDoesNotExist", 400


class ConfigurationSetAlreadyExists(ServiceError):
    code, status = "ConfigurationSetAlreadyExists", 400


_TRANSLATION: dict[type[mail.MailError], type[ServiceError]] = {
    mail.NotVerified: MessageRejected,
    mail.InvalidMessage: InvalidParameterValue,
    mail.TemplateMissing: TemplateDoesNotExist,
    mail.TemplateExists: AlreadyExists,
    mail.InvalidTemplate: InvalidTemplate,
    mail.MissingAttribute: MissingRenderingAttribute,
}


@contextmanager
def reported() -> Iterator[None]:
    """Mail errors raised inside become this API's errors."""
    try:
        yield
    except mail.MailError as exc:
        raise _TRANSLATION[type(exc)](exc.message) from None
