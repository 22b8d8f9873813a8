"""What can go wrong in SES, independent of the API (v1 or v2) that reports it."""


class MailError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotVerified(MailError):
    """The sender (or, in the sandbox, a recipient) is not a verified identity."""


class TemplateMissing(MailError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Template {name} does not exist.")
        self.name = name


class TemplateExists(MailError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Template {name} already exists.")
        self.name = name


class MissingAttribute(MailError):
    """A template referred to data the message did not give."""


class InvalidTemplate(MailError):
    pass


class InvalidMessage(MailError):
    """A message AWS refuses as given (bad address, no recipients, malformed raw MIME...)."""
