"""The one error shape for bad input: which field is wrong, and why.

Events, policies, service configurations, API keys and expansion requests all reject input
the same way, so every front end (CLI, module answer, HTTP error) can show ``field`` and
``reason`` without knowing where the error came from.
"""

from __future__ import annotations


class FieldError(ValueError):
    """Bad input. ``field`` names the offending element, ``reason`` says what is wrong.

    Subclasses set ``subject`` when the message needs to say what the field belongs to
    (``policy workflow.steps[0]: ...``).
    """

    subject = ""

    def __init__(self, field: str, reason: str) -> None:
        prefix = f"{self.subject} " if self.subject else ""
        super().__init__(f"{prefix}{field}: {reason}")
        self.field = field
        self.reason = reason
