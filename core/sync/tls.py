"""One TLS context for every HTTP client of the sync layer.

Building a context loads the CA bundle from disk, about 70 ms of CPU; the desktop makes a
sync client (and a document-file transfer) for every round, so each round paid it twice.
The context is made once per process, as httpx would make it (``SSL_CERT_FILE`` or
``SSL_CERT_DIR`` when set, else certifi's bundle), and shared: an ``ssl.SSLContext`` may
serve many connections at once.
"""

from __future__ import annotations

import functools
import os
import ssl

import certifi

__all__ = ["tls_context"]


@functools.cache
def tls_context() -> ssl.SSLContext:
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())
