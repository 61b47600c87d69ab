"""Secrets the CLI has seen (API keys), kept out of everything it prints or logs."""

from __future__ import annotations

import logging
from typing import List, Optional

#: Values that must never reach the terminal; see :func:`redact`.
_SECRETS: List[str] = []


def remember_secret(value: Optional[str]) -> None:
    """Redact ``value`` from now on (values shorter than 4 characters are ignored)."""
    if value and len(value) >= 4 and value not in _SECRETS:
        _SECRETS.append(value)


def forget_secrets() -> None:
    """Forget every secret (each run of :func:`~viam_data_sync.cli.main` starts afresh)."""
    _SECRETS.clear()


def redact(text: str) -> str:
    """``text`` with every known secret replaced by ``<redacted>``.

    Example::

        remember_secret(api_key)
        redact(f"bad key {api_key}")  # 'bad key <redacted>'
    """
    for secret in _SECRETS:
        text = text.replace(secret, "<redacted>")
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a log record whose message holds a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True
