"""The transforms a template may declare: `AWS::Serverless-2016-10-31` (SAM templates, expanded
by AWS's own translator, aws-sam-translator) and `AWS::LanguageExtensions` (Fn::ForEach here;
its other functions are intrinsics)."""

from __future__ import annotations

import copy
from typing import Any

from cloudlet.services.cloudformation import foreach
from cloudlet.services.cloudformation.errors import ValidationError

SERVERLESS = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


def names(template: dict[str, Any]) -> list[str]:
    value = template.get("Transform") or []
    return [value] if isinstance(value, str) else list(value)


def expand(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The template with every transform it names applied (unknown macros are refused)."""
    transforms = names(template)
    unknown = [name for name in transforms if name not in (SERVERLESS, LANGUAGE_EXTENSIONS)]
    if unknown:
        raise ValidationError(f"No transform named {unknown[0]} found.")
    if LANGUAGE_EXTENSIONS in transforms:
        template = foreach.expand(template, parameters)
    if SERVERLESS not in transforms:
        return template
    # Imported here: the translator (and pydantic) load only when a template uses SAM.
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    # The translator asks a boto3 session which region it runs in: the stack's. SAM would ask
    # IAM for the AWS managed policies a `Policies:` entry names; there is no IAM to ask, so
    # entries resolve through SAM's policy templates and full ARNs only.
    session = boto3.session.Session(
        region_name=parameters.get("AWS::Region"), aws_access_key_id="unused", aws_secret_access_key="unused"
    )
    fragment = copy.deepcopy(template)
    values = dict(parameters)
    try:
        to_py27_compatible_template(fragment, values)
        translator = Translator(None, Parser(), boto_session=session)
        result = translator.translate(fragment, parameter_values=values, get_managed_policy_map=dict)
        result = undo_mark_unicode_str_in_template(result)
    except InvalidDocumentException as exc:
        details = " ".join([exc.message, *(cause.message for cause in exc.causes)])
        raise ValidationError(f"Transform {SERVERLESS} failed with: {details}") from None
    except Exception as exc:  # the translator's other failures are the template's fault too
        raise ValidationError(f"Transform {SERVERLESS} failed with: {exc}") from None
    if LANGUAGE_EXTENSIONS in transforms:
        result["Transform"] = LANGUAGE_EXTENSIONS
    return result
