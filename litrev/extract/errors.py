"""The one base exception of the ``extract`` package and its named subclasses.

Every message says what the user can do about it, in one line.
"""


class ExtractError(Exception):
    """Base of every error raised by ``extract``."""


class ProfileError(ExtractError):
    """The review profile is missing or invalid; the message lists one problem per line."""


class ParseError(ExtractError):
    """A saved response or import file could not be mapped to records."""


class SourceError(ExtractError):
    """A source could not deliver its records in this run; the harvest reports it and goes on."""


class SourceFailed(SourceError):
    """Requests failed after the policy's attempts, or with a status that is not retried."""


class HostUnreachable(SourceFailed):
    """The source's host cannot be reached at all (name not resolved, connection refused, TLS
    handshake failed, no route): retrying the source in this run cannot help.

    ``host`` is the host (and port) that failed; ``reason`` the short why, as shown to people.
    """

    def __init__(self, message: str, *, host: str, reason: str) -> None:
        super().__init__(message)
        self.host = host
        self.reason = reason


class QuotaExhausted(SourceError):
    """The API says its daily quota or credits are used up: stop this source for the run."""


class MalformedResponse(SourceError):
    """A body that is not what the API promises: truncated JSON, an HTML page, a wrong type."""
