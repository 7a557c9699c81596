"""The one base exception of the ``extract`` package and its named subclasses.

Every message says what the user can do about it, in one line.
"""


class ExtractError(Exception):
    """Base of every error raised by ``extract``."""


class ProfileError(ExtractError):
    """The review profile is missing or invalid; the message lists one problem per line."""


class ParseError(ExtractError):
    """A saved response or import file could not be mapped to records."""
