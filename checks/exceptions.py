"""Errors raised by the check engine. Messages never contain draft text."""


class CheckEngineError(Exception):
    """Base class for errors of the check library."""


class LexiconError(CheckEngineError):
    """A lexicon file or entry is malformed; the message names ``file:line`` and the reason."""


class ModelLoadError(CheckEngineError):
    """An optional model (HanLP NER) could not be loaded from the configured directory."""


class DraftError(CheckEngineError):
    """The input could not be read as a draft (unreadable file, bad JSON, wrong shape)."""
