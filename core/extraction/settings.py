"""Where extraction asks, with which model and key, and how patiently.

The ``openai`` client's own ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` work as everywhere
else, so any OpenAI-compatible endpoint serves, a local model included; ``DEALOS_AI_MODEL``
names the model. The key is read from the keyring first (``openai_api_key`` under the
``dealos`` service, core.keys), then from ``OPENAI_API_KEY``; it is never written to a
file, a log or this object's ``repr``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Final

from core.errors import KeyStoreError
from core.keys import KeyStore

__all__ = ["API_KEY_SECRET", "DEFAULT_MODEL", "AiSettings"]

API_KEY_SECRET: Final = "openai_api_key"  # noqa: S105 - the keyring entry's name
DEFAULT_MODEL: Final = "gpt-4o-mini"
# A local endpoint takes any key; the client insists on one.
_NO_KEY: Final = "no-key"


@dataclass(frozen=True, slots=True)
class AiSettings:
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout_seconds: float = 60.0
    attempts: int = 4  # tries of one request: the first and three retries
    longest_wait_seconds: float = 30.0  # the most a Retry-After is honoured for
    breaker_failures: int = 3  # requests failed in a row before the breaker opens
    breaker_reset_seconds: float = 60.0
    tokens_per_request: int = 12_000  # pages beyond this go in the next request
    tokens_per_document: int = 120_000  # pages beyond this are not read (said so)
    answer_tokens: int = 2_000

    @classmethod
    def from_environment(cls, keys: KeyStore | None = None) -> AiSettings:
        key: str | None = None
        try:
            key = (keys or KeyStore()).secret(API_KEY_SECRET)
        except KeyStoreError:
            key = None
        return cls(
            model=os.environ.get("DEALOS_AI_MODEL") or DEFAULT_MODEL,
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            api_key=key or os.environ.get("OPENAI_API_KEY") or None,
        )

    @property
    def endpoint_words(self) -> str:
        return self.base_url or "the OpenAI API"

    def client_key(self) -> str | None:
        """The key the client sends; a local endpoint (a base URL) may need none."""
        if self.api_key:
            return self.api_key
        return _NO_KEY if self.base_url else None
