"""Domain errors carry the HTTP status and a message a person can act on.

An error may also carry a ``code`` and its ``params``: the pages look the code up in the one
language catalogue (``gateway/web/static/i18n/<lang>.json``) and show it in the page's language;
``message`` is the English text for API clients.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None, params: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params or {}

    def body(self) -> dict[str, object]:
        """The JSON answer: ``detail``, and ``code`` with ``params`` when the error has a code."""
        if self.code is None:
            return {"detail": self.message}
        return {"detail": self.message, "code": self.code, "params": self.params}


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Forbidden(DomainError):
    status_code = 403


class Unprocessable(DomainError):
    status_code = 422
