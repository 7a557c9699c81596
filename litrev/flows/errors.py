"""The one base exception of the ``flows`` package and its named subclasses."""


class FlowError(Exception):
    """Base of every error raised by ``flows``; messages say what to do."""


class UsageError(FlowError):
    """The command line asks for something that cannot be done as written."""
