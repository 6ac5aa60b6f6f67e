"""Asking the model: the ``openai`` client, structured output, retries and a breaker.

A request that fails for a passing reason (429, 5xx, a timeout, no connection) is tried
again with exponential backoff, waiting what the server's ``Retry-After`` says when it
says (up to a limit). Requests failing again and again open a breaker per endpoint:
while it is open nothing is sent, and the caller queues the document
(:mod:`core.extraction.review`). An answer of the wrong shape, or a refusal of the key or
model, is not retried and does not count against the endpoint: it is said in words.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import TYPE_CHECKING, Final

import pybreaker
from pydantic import ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from core.errors import DealOSError
from core.extraction.settings import AiSettings
from core.extraction.terms import SYSTEM_PROMPT, DealTerms

if TYPE_CHECKING:
    import openai

__all__ = ["EndpointDown", "ExtractionFailed", "TermsEndpoint", "breaker_of"]

_BACKOFF_FIRST: Final = 0.5
_BACKOFF_MOST: Final = 8.0


class ExtractionFailed(DealOSError):
    """The endpoint answered, but not with deal terms (said in words); not queued."""


class EndpointDown(DealOSError):
    """The endpoint cannot be reached now, or its breaker is open: the request waits."""


_BREAKERS: dict[tuple[str, str], pybreaker.CircuitBreaker] = {}


def breaker_of(settings: AiSettings) -> pybreaker.CircuitBreaker:
    """The breaker of one endpoint and model, shared by every request in this process."""
    key = (settings.endpoint_words, settings.model)
    breaker = _BREAKERS.get(key)
    if breaker is None:
        breaker = pybreaker.CircuitBreaker(
            fail_max=settings.breaker_failures,
            reset_timeout=settings.breaker_reset_seconds,
            exclude=[ExtractionFailed],
        )
        _BREAKERS[key] = breaker
    return breaker


def _transient(exc: BaseException) -> bool:
    import openai  # the client loads on first use: a command that asks no model starts faster

    if isinstance(exc, openai.APIConnectionError):  # a timeout is one too
        return True
    return isinstance(exc, openai.APIStatusError) and (
        exc.status_code == 429 or exc.status_code >= 500
    )


def _retry_after(exc: BaseException | None) -> float | None:
    import openai

    if not isinstance(exc, openai.APIStatusError):
        return None
    raw = exc.response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class TermsEndpoint:
    """One endpoint and model, asked for the deal terms of some pages."""

    def __init__(self, settings: AiSettings) -> None:
        self.settings = settings
        key = settings.client_key()
        if key is None:
            raise ExtractionFailed(
                "no key for the OpenAI API: store one in the keyring (dealos document "
                "ai-key) or set OPENAI_API_KEY, or point OPENAI_BASE_URL at an endpoint that "
                "needs none"
            )
        import openai

        self.client = openai.OpenAI(
            api_key=key,
            base_url=settings.base_url,
            max_retries=0,  # tenacity retries, so Retry-After and the breaker see each try
            timeout=settings.timeout_seconds,
        )
        self.breaker = breaker_of(settings)

    def ask(self, pages: str) -> DealTerms:
        """The terms the model reads in ``pages``; :class:`EndpointDown` when it cannot be
        reached (the breaker counts it), :class:`ExtractionFailed` for a wrong answer."""
        import openai

        try:
            terms: DealTerms = self.breaker.call(self._with_retries, pages)
        except pybreaker.CircuitBreakerError:
            raise EndpointDown(self._down_words(None)) from None
        except openai.APIStatusError as exc:
            if _transient(exc):
                raise EndpointDown(self._down_words(exc)) from None
            raise ExtractionFailed(self._refused_words(exc)) from None
        except openai.APIConnectionError as exc:
            raise EndpointDown(self._down_words(exc)) from None
        return terms

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = _retry_after(exc)
        if told is not None:
            return min(told, self.settings.longest_wait_seconds)
        return float(min(_BACKOFF_MOST, _BACKOFF_FIRST * 2 ** (state.attempt_number - 1)))

    def _with_retries(self, pages: str) -> DealTerms:
        for attempt in Retrying(
            stop=stop_after_attempt(self.settings.attempts),
            wait=self._wait,
            retry=retry_if_exception(_transient),
            reraise=True,
        ):
            with attempt:
                return self._once(pages)
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    def _once(self, pages: str) -> DealTerms:
        import openai

        try:
            completion = self.client.chat.completions.parse(
                model=self.settings.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": pages},
                ],
                response_format=DealTerms,
                max_tokens=self.settings.answer_tokens,
            )
        except ValidationError as exc:
            raise ExtractionFailed(
                "the model's answer was not the deal terms asked for "
                f"({exc.error_count()} problems, the first: {exc.errors()[0]['msg']})"
            ) from None
        except openai.LengthFinishReasonError:
            raise ExtractionFailed(
                "the model's answer was cut off at its token limit; nothing was kept"
            ) from None
        except ValueError as exc:  # not JSON at all
            raise ExtractionFailed(f"the model's answer was not JSON ({exc})") from None
        message = completion.choices[0].message
        if message.refusal:
            raise ExtractionFailed(f"the model declined: {message.refusal}")
        if message.parsed is None:
            raise ExtractionFailed("the model's answer was empty")
        return message.parsed

    def _down_words(self, exc: BaseException | None) -> str:
        import openai

        where = self.settings.endpoint_words
        if self.breaker.current_state == pybreaker.STATE_OPEN or exc is None:
            opened = self.breaker._state_storage.opened_at
            again = ""
            if opened is not None:
                at = opened + dt.timedelta(seconds=self.settings.breaker_reset_seconds)
                again = f"; it is tried again after {at.astimezone().strftime('%H:%M:%S')}"
            return (
                f"{where} failed {self.settings.breaker_failures} times in a row, so "
                f"extraction waits{again}"
            )
        if isinstance(exc, openai.APITimeoutError):
            why = f"it did not answer within {self.settings.timeout_seconds:g} seconds"
        elif isinstance(exc, openai.APIConnectionError):
            why = "it cannot be reached"
        elif isinstance(exc, openai.APIStatusError) and exc.status_code == 429:
            why = "it is busy (too many requests)"
        elif isinstance(exc, openai.APIStatusError):
            why = f"it failed (HTTP {exc.status_code})"
        else:
            why = "it failed"
        return f"{where}: {why}, after {self.settings.attempts} tries"

    def _refused_words(self, exc: openai.APIStatusError) -> str:
        where = self.settings.endpoint_words
        if exc.status_code in (401, 403):
            return f"{where} refused the key (HTTP {exc.status_code})"
        if exc.status_code == 404:
            return f"{where} has no model {self.settings.model!r} (HTTP 404)"
        return f"{where} refused the request (HTTP {exc.status_code}): {exc.message}"
