"""The package's exceptions: every failure a user can cause or meet ends in one of these.

NuonError                        base; ``str(exc)`` is never empty and never contains the API token
├── ConfigurationError           missing token or org id, a bad or insecure API URL (also a ValueError)
├── InvalidArgumentError         an argument that cannot work, named with what is allowed (also a ValueError);
│   │                            raised before any I/O; ``problems`` lists (argument, reason) pairs
│   └── InvalidIdError           an id that cannot be a Nuon id
├── APIError                     something went wrong talking to Nuon; carries ``method`` and ``path``
│   ├── APIConnectionError       no usable response: refused, reset, DNS, TLS
│   │   └── APITimeoutError      connect, read, write or pool timeout
│   ├── APIStatusError           Nuon answered with an error status; carries ``status_code``, ``error``,
│   │   │                        ``description``, ``user_error``
│   │   ├── BadRequestError          400
│   │   ├── AuthenticationError      401: missing or bad token
│   │   ├── PermissionDeniedError    403: missing or unknown org, or no permission
│   │   ├── NotFoundError            404
│   │   │   └── ReleasesNotServedError   404/410 for the whole releases route (newer Nuon APIs)
│   │   ├── ConflictError            409
│   │   ├── RateLimitError           429
│   │   └── InternalServerError      5xx
│   ├── ResponseValidationError  a 2xx body that is not the JSON Nuon documents (HTML page, truncated JSON, a
│   │   │                        deploy without id or status, a field of the wrong type), or cannot be decoded
│   │   └── ResponseTooLargeError    a body over the size limit (MAX_RESPONSE_BYTES); not retried
│   └── PaginationError          the server kept saying "next page" past every sane bound
└── DeployGateError              a deploy gate did not pass
    ├── DeployFailedError        a watched deploy failed (Nuon's status and description in the message)
    └── DeployTimeoutError       the deadline passed first (the last status of each pending install)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DeployFailedError",
    "DeployGateError",
    "DeployTimeoutError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidIdError",
    "NotFoundError",
    "NuonError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReleasesNotServedError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "is_transient",
]


class NuonError(Exception):
    """Base class of every error this package raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(NuonError, ValueError):
    """The settings cannot work: a missing token or org id, or an API URL that is malformed or insecure.

    ``missing`` names the setting (``api_token``, ``org_id``) when one is missing, and ``setting`` the setting that
    is missing or wrong, so a front end can say how to set it in its own terms (the CLI speaks of environment
    variables and flags, not of stack config).
    """

    def __init__(self, message: str, *, missing: str | None = None, setting: str | None = None) -> None:
        super().__init__(message)
        self.missing = missing
        self.setting = setting if setting is not None else missing


class InvalidArgumentError(NuonError, ValueError):
    """One or more arguments cannot work. ``problems`` holds (argument name, reason) pairs; ``argument`` is the
    first one's name. The message names each argument and says what is allowed."""

    def __init__(self, problems: list[tuple[str, str]] | str, argument: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [(argument or "", problems)]
        super().__init__("; ".join(reason for _, reason in problems))
        self.problems = problems
        self.argument = problems[0][0] if problems else ""


class InvalidIdError(InvalidArgumentError):
    """An id argument that cannot be a Nuon id (empty, contains ``/`` or whitespace, too long)."""


class APIError(NuonError):
    """A request to the Nuon API failed."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class APIConnectionError(APIError):
    """No usable HTTP response arrived (connection refused or reset, DNS or TLS failure)."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


class APIStatusError(APIError):
    """Nuon answered with an error status code."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        error: str | None = None,
        description: str | None = None,
        user_error: bool | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status_code = status_code
        self.error = error
        self.description = description
        self.user_error = user_error


class BadRequestError(APIStatusError):
    """400: Nuon rejected the request."""


class AuthenticationError(APIStatusError):
    """401: the API token is missing, malformed, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the org id is missing or unknown, or the token's account may not read it."""


class NotFoundError(APIStatusError):
    """404: the thing asked for does not exist (for this org)."""


class ReleasesNotServedError(NotFoundError):
    """The Nuon API behind ``api_url`` no longer serves component releases (a legacy feature)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically until the retry budget is spent."""


class InternalServerError(APIStatusError):
    """5xx: Nuon (or a proxy in front of it) failed; retried automatically until the retry budget is spent."""


class ResponseValidationError(APIError):
    """A successful status whose body is not the JSON Nuon documents (an HTML page, truncated or wrong JSON)."""


class ResponseTooLargeError(ResponseValidationError):
    """A body larger than pulumi-nuon reads (``MAX_RESPONSE_BYTES``); reading stopped at the limit."""


class PaginationError(APIError):
    """The releases listing never ended: the server kept announcing a next page."""


class DeployGateError(NuonError):
    """A deploy gate did not pass. ``result`` is the :class:`~pulumi_nuon.gate.wait.WaitResult` when there is one."""

    def __init__(self, message: str, *, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


class DeployFailedError(DeployGateError):
    """A watched deploy reached a failed status; the message carries Nuon's status and description."""


class DeployTimeoutError(DeployGateError):
    """The gate's deadline passed before every watched deploy finished."""


def is_transient(error: BaseException) -> bool:
    """The one retry rule: True for a failure a later attempt may not meet — no usable answer (refused, reset, timed
    out), 408, 429, any 5xx, or a 2xx body that is not the JSON Nuon documents (truncated, garbled, an HTML page).

    The client retries these within a call (with backoff, honouring ``Retry-After``), and a waiter polls through
    them until its deadline. Nothing else is: not another error status (a bad token, org or id stays bad), and not
    a body over the size limit (it would be as large again; a proxy or a wrong API URL is in the way)."""
    if isinstance(error, ResponseTooLargeError):
        return False
    if isinstance(error, APIStatusError):
        return error.status_code in (408, 429) or error.status_code >= 500
    return isinstance(error, (APIConnectionError, ResponseValidationError))
