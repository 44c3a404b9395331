"""One exception tree. Only the edges (CLI, web) translate these into messages.

IjdqaError
├── ReportError
│   └── ReportFormatError      the text is not a usable report
├── IndexStoreError
│   ├── IndexNotBuiltError     no index yet and building was not allowed
│   └── IndexCorruptError      the index directory cannot be read
├── ModelUnavailableError      the embedding model folder is missing or unreadable
├── StoreUnavailableError      the Chroma server cannot be reached, or a store was closed
├── LLMError                   the chat model failed or is unreachable
├── SettingsError              a setting is unknown or its value is out of range
├── QueryError                 a question or filter is unusable
├── SourceError                fetching or importing a cited source failed
├── EvalError                  a gold file is malformed
├── AnswerStreamError          an answer stream ended without its final Answer (an answerer's
│                              bug, shown as a message, never a traceback)
└── PackageDataError           a file the package ships (template, word list, decision) is
                               missing or malformed: the install is broken
"""

from __future__ import annotations


class IjdqaError(Exception):
    """Base of every error ijdqa raises on purpose. Messages say what to do next."""


class ReportError(IjdqaError):
    pass


class ReportFormatError(ReportError):
    pass


class IndexStoreError(IjdqaError):
    pass


class IndexNotBuiltError(IndexStoreError):
    pass


class IndexCorruptError(IndexStoreError):
    pass


class ModelUnavailableError(IjdqaError):
    pass


class StoreUnavailableError(IjdqaError):
    pass


class LLMError(IjdqaError):
    pass


class SettingsError(IjdqaError):
    pass


class QueryError(IjdqaError):
    pass


class SourceError(IjdqaError):
    pass


class EvalError(IjdqaError):
    pass


class AnswerStreamError(IjdqaError):
    pass


class PackageDataError(IjdqaError):
    pass
