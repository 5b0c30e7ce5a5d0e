"""Errors raised by the prompts services and selectors, mapped by the public API to Langfuse's status codes.

Bad input is a ``django.core.exceptions.ValidationError`` (400, and a form error in the admin); a missing
permission is ``PermissionDenied`` (403). The two below are specific to prompts.
"""

from django.core.exceptions import ObjectDoesNotExist


class PromptNotFoundError(ObjectDoesNotExist):
    """No version matches the name and version/label asked for (404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PromptResolutionError(Exception):
    """The composition graph cannot be resolved: a missing or non-text child, a cycle, too deep.

    A create turns it into a ``ValidationError`` (400); a fetch reports it as a conflict (409).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
