"""Errors of the classifier library, each readable in one line.

``classifiers`` is standalone (it imports nothing of ``patrol``), so it has its
own exceptions; the CLI catches ``ClassifierError`` and prints the message.
"""


class ClassifierError(Exception):
    """Base class: a message an operator can act on."""


class ArtifactError(ClassifierError):
    """A model artifact is missing, corrupt, tampered with, untrusted or of an unknown version."""


class DataError(ClassifierError):
    """A data file (corpus, lexicon, registry) or an input record is malformed; the message names file/line and field."""
