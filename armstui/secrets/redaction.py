"""Keeping secrets out of text: every secret this process sees is remembered by
:data:`redactor`, and :func:`redact` masks it in any text before it reaches a log, a
journal or a screen; :class:`RedactingFilter` does the same for log records.

Imports nothing from armstui, so that any module (the model included) may use it.
"""

from __future__ import annotations

import logging
import threading

MASK = "****"


class Redactor:
    """Remembers secrets and masks them in any text.

    Longer secrets are replaced first so that a secret containing another is masked whole.
    """

    MIN_LENGTH = 6  # shorter strings would mask ordinary words

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._ordered: tuple[str, ...] = ()  # longest first; empty until asked for again
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < self.MIN_LENGTH:
            return
        with self._lock:
            if secret not in self._secrets:
                self._secrets.add(secret)
                self._ordered = ()

    def redact(self, text: str) -> str:
        # A substring search per secret rather than one regex of them all: each assumed role
        # adds two secrets (an org run adds hundreds), and compiling that alternation again
        # after each took seconds of the GIL from the screen; matching it was slower too.
        # One pass over the text, as the regex made: leftmost first, the longest secret at a
        # place, and never a match inside a mask already put in (a secret may be all stars).
        with self._lock:
            if not self._secrets:
                return text
            if not self._ordered:
                self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))
            ordered = self._ordered
        found: list[tuple[int, int]] = []  # (start, -length) of every occurrence
        for secret in ordered:
            start = text.find(secret)
            while start != -1:
                found.append((start, -len(secret)))
                start = text.find(secret, start + 1)
        if not found:
            return text
        parts: list[str] = []
        end = 0
        for start, minus_length in sorted(found):
            if start >= end:
                parts += [text[end:start], MASK]
                end = start - minus_length
        return "".join(parts) + text[end:]


redactor = Redactor()


def redact(text: str) -> str:
    """Return ``text`` with every secret this process has seen replaced by ``****``."""
    return redactor.redact(text)


def mask(secret: str | None) -> str:
    """How a secret is shown: never its characters, only that it is set."""
    return MASK if secret else "(not set)"


class RedactingFilter(logging.Filter):
    """Masks every known secret in a record's message, arguments, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add a :class:`RedactingFilter` to ``logger`` (root by default) and its handlers.

    Filters on a logger do not see records propagated from child loggers, filters on
    handlers do (logging docs, "Filter Objects"); hence both. Handlers added later need
    ``handler.addFilter`` themselves.
    """
    logger = logger or logging.getLogger()
    flt = RedactingFilter()
    logger.addFilter(flt)
    for handler in logger.handlers:
        handler.addFilter(flt)
    return flt
