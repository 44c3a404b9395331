"""ijdqa: questions about one report and its cited sources, answered with footnote-level citations.

Importing this package does no work; the public API is loaded on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
