"""The small error hierarchy. The CLI and the UI turn these into one readable line."""

from __future__ import annotations


class CablesError(Exception):
    """Base of every error this package raises on purpose."""


class ParseError(CablesError):
    """A file could not be read as a cable. Carries the path."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str]]:
        return (ParseError, (self.path, self.reason))  # copy and pickle rebuild it from both fields


class IndexMissingError(CablesError):
    """No index at the configured folder."""


class IndexMismatchError(CablesError):
    """The index on disk was built differently from what this run expects."""


class IndexCorruptError(CablesError):
    """A file of the index fails its checksum or cannot be read."""


class IndexLockedError(CablesError):
    """Another process is writing the index."""


class ModelError(CablesError):
    """A model (embedder or LLM) is missing, corrupt or failed to load."""


class PromptError(CablesError):
    """A prompt template is missing or a variable was not supplied."""


class GoldError(CablesError):
    """A gold Q&A file has invalid lines."""


class InputTooLargeError(CablesError):
    """A question, upload or history exceeds its configured limit."""
