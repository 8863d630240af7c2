"""Keeping secret values out of everything woc-gate prints or writes.

``Secret`` holds a value that never shows in ``str``, ``repr`` or formatting; ``mask_url`` hides the
password of a URL or DSN; ``Redactor`` scrubs known secret values from any text on its way out, and
``Redactor.encoded`` also the forms a browser writes them in (JSON, URL and form encoding).
"""

from __future__ import annotations

import dataclasses
import json
import string
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

MASK = "****"
_SHORTEST_REDACTED = 4  # shorter values would scrub ordinary words out of reports
_FORM_SAFE = frozenset(string.ascii_letters + string.digits + "*-._")  # a browser's x-www-form-urlencoded
_URI_COMPONENT_SAFE = "-_.!~*'()"  # JavaScript's encodeURIComponent


class Secret:
    """A value that is never shown: ``str`` and ``repr`` give ``****``; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself, for the one place that sends it to the target."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __reduce__(self):  # pickling (xdist, multiprocessing) must not carry the value
        raise TypeError("a Secret cannot be pickled; pass the settings file instead")


def reveal(value: str | Secret) -> str:
    """The plain value of a setting, whether or not it is secret."""
    return value.reveal() if isinstance(value, Secret) else value


def split_userinfo(url: str) -> tuple[str, str | None, str | None, str]:
    """A URL cut as ``(prefix, user, password, rest)``, tolerating what ``urlsplit`` cannot.

    The credentials run from after ``scheme://`` (or the start, for a URL without a scheme) to the last
    ``@`` before the first ``/``, so a password with an unencoded ``#``, ``?`` or ``@`` is found whole.
    ``user`` and ``password`` are None when the URL carries none.
    """
    scheme, separator, remainder = url.partition("://")
    if not separator:
        remainder = url.removeprefix("//")
        scheme, separator = "", url[: len(url) - len(remainder)]
    prefix = scheme + separator
    authority, slash, path = remainder.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return url, None, None, ""
    user, colon, password = userinfo.partition(":")
    return prefix, user, password if colon else None, host + slash + path


def mask_url(url: str) -> str:
    """The URL with its password (if any) replaced by ``****``, even when the URL is malformed."""
    prefix, user, password, rest = split_userinfo(url)
    if password is not None:
        return f"{prefix}{user}:{MASK}@{rest}"
    try:
        urlsplit(url)
    except ValueError:
        return MASK  # a URL no parser understands may hide a secret where we do not look
    return url


def shown(value: Any) -> str:
    """A value as it may be printed: a secret as ``****``, a URL (a secret one too) without its password."""
    text = reveal(value) if isinstance(value, Secret) else str(value)
    return MASK if isinstance(value, Secret) and text and "://" not in text else mask_url(text)


def hidden_parts(value: Any) -> list[str]:
    """What a redactor must hide of a setting's value: a secret whole (a secret URL: its password), a URL's password."""
    text = reveal(value) if isinstance(value, Secret) else str(value)
    return [text] if isinstance(value, Secret) and "://" not in text else url_passwords(text)


def url_passwords(url: str) -> list[str]:
    """The password inside a URL as written and percent-decoded (both may show up in output); none without one."""
    password = split_userinfo(url)[2]
    return [password, unquote(password)] if password else []


def encoded_forms(value: str) -> set[str]:
    """``value`` as it may be written into a trace or a log: itself, JSON-escaped, URL- and form-encoded."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value, safe=_URI_COMPONENT_SAFE),
        quote_plus(value, safe=""),
        _form_encoded(value),
    }


def _form_encoded(value: str) -> str:
    """``value`` as a browser sends it in a form body (Python's ``quote_plus`` differs on ``~`` and ``*``)."""
    return "".join(
        character if character in _FORM_SAFE else "+" if character == " " else _percent_encoded(character)
        for character in value
    )


def _percent_encoded(character: str) -> str:
    return "".join(f"%{byte:02X}" for byte in character.encode())


class Redactor:
    """Replaces every known secret value in a text with ``****``."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        unique = {value for value in values if len(value) >= _SHORTEST_REDACTED}
        # longest first, so a secret that contains another is masked whole
        self._values = sorted(unique, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._values)

    def encoded(self) -> Redactor:
        """A redactor that also masks each value as a browser or a JSON log writes it (see ``encoded_forms``)."""
        return Redactor(form for value in self._values for form in encoded_forms(value))

    def scrub_bytes(self, data: bytes) -> bytes:
        """Redact the UTF-8 text inside any bytes; bytes that are not UTF-8 pass through unchanged."""
        return self(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def scrub(self, value: Any) -> Any:
        """Redact every string inside a value: strings, lists, dicts, tuples and dataclasses (changed in place)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            value.update({key: self.scrub(element) for key, element in value.items()})
            return value
        if isinstance(value, list):
            value[:] = [self.scrub(element) for element in value]
            return value
        if isinstance(value, tuple):
            return (
                type(value)(*(self.scrub(e) for e in value))
                if hasattr(value, "_fields")
                else tuple(self.scrub(element) for element in value)
            )
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                object.__setattr__(value, field.name, self.scrub(getattr(value, field.name)))
        return value
