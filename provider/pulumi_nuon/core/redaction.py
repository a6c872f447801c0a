"""Keeping the API token out of everything this package says: messages, logs, parsed payloads, state.

A server (or a proxy in front of it) may echo what it was sent, and not always verbatim. :class:`Redactor`
finds the token in these forms and replaces each occurrence with ``***``:

- as it is;
- with any of its characters escaped as JSON (``\\u0063``), as a C/Python escape (``\\x63``), percent-encoded
  (``%63``) or as an HTML character reference (``&#99;``, ``&#x63;``);
- with carriage returns, line feeds, NULs or tabs (raw or escaped: ``\\r``, ``\\n``, ``\\u0000``, ``%0A``)
  between its characters, as a header or log line split by a proxy would show it;
- base64-encoded, at any byte alignment (inside a ``Basic`` header or a longer encoded blob), standard or
  URL-safe alphabet.

**Short tokens.** A token shorter than :data:`~pulumi_nuon.core.constants.MIN_REDACT_LENGTH` characters cannot
be told from ordinary text (a one-letter token is in every word). It is redacted only where it stands alone —
not preceded or followed by a letter or digit — and not in escaped or base64 forms. Nuon's tokens are far longer,
so this only ever concerns test tokens; it keeps "deploy" from becoming "d***ploy".

Redaction runs on whole texts, before any excerpt is cut, so half a token is never left at a cut. Every outgoing
string of the package goes through it: error messages, Nuon's own words (``error``, ``description``,
``status_description``), quoted bodies, and every string of a parsed payload when the body carries the token.
"""

from __future__ import annotations

import base64
import functools
import re
from typing import Any

from pulumi_nuon.core import constants as C

__all__ = ["MASK", "Redactor", "redact", "redactor"]

MASK = "***"

# What may sit between the token's characters: CR, LF, NUL, tab, raw or escaped.
_JUNK = r"(?:[\r\n\x00\t]|\\[rn0t]|\\u000[09aAdD]|\\x0[09aAdD]|%0[09aAdD]|&#(?:0|9|10|13);|&#[xX]0?[09aAdD];)*"
# Bytes whose presence makes the slower escaped-form search worth running.
_ESCAPE_MARKERS = (b"\\", b"%", b"&#", b"\r", b"\n", b"\x00", b"\t")


def _hex(code: int, width: int) -> str:
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:0{width}x}")


def _char(c: str) -> str:
    code = ord(c)
    forms = [re.escape(c), r"\\u" + _hex(code, 4), "&#0*" + str(code) + ";", "&#[xX]0*" + _hex(code, 2) + ";"]
    if code < 0x80:
        forms += [r"\\x" + _hex(code, 2), "%" + _hex(code, 2)]
    return "(?:" + "|".join(forms) + ")"


def _base64_fragments(secret: bytes) -> list[str]:
    """The parts of the base64 encodings of ``secret`` that do not depend on its neighbours, at each of the
    three byte alignments, in the standard and URL-safe alphabets."""
    fragments = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + secret).decode()
        start, end = -(-pad * 8 // 6), (pad + len(secret)) * 8 // 6
        fragment = encoded[start:end]
        fragments += [fragment, fragment.replace("+", "-").replace("/", "_")]
    return list(dict.fromkeys(f for f in fragments if f))


class Redactor:
    """Finds and masks one secret in text, bytes and parsed JSON values (see the module docstring)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.short = len(secret) < C.MIN_REDACT_LENGTH
        if not secret:
            self._pattern: re.Pattern[str] | None = None
            self._fragments: list[str] = []
        elif self.short:
            self._pattern = re.compile(r"(?<![A-Za-z0-9])" + re.escape(secret) + r"(?![A-Za-z0-9])")
            self._fragments = []
        else:
            self._pattern = re.compile(_JUNK.join(_char(c) for c in secret))
            self._fragments = _base64_fragments(secret.encode())
        self._raw = secret.encode()
        self._bytes_pattern = re.compile(self._pattern.pattern.encode()) if self._pattern and secret.isascii() else None

    def __repr__(self) -> str:
        return f"Redactor(length={len(self.secret)})"

    def text(self, text: str) -> str:
        """``text`` with every occurrence of the secret, in every form, replaced by ``***``."""
        if self._pattern is None or not text:
            return text
        text = self._pattern.sub(MASK, text)
        for fragment in self._fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        return text

    def found_in(self, body: bytes) -> bool:
        """Whether ``body`` may carry the secret in any form (cheap checks first; a multi-megabyte page without
        escapes costs a few substring searches)."""
        if self._pattern is None or not body:
            return False
        if self.short:
            return self._raw in body
        if self._raw in body or any(f.encode() in body for f in self._fragments):
            return True
        if not any(marker in body for marker in _ESCAPE_MARKERS):
            return False
        if self._bytes_pattern is not None:
            return self._bytes_pattern.search(body) is not None
        return self._pattern.search(body.decode("utf-8", "replace")) is not None

    def value(self, value: Any) -> Any:
        """A parsed JSON value with every string in it (keys too) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


@functools.lru_cache(maxsize=16)
def redactor(secret: str) -> Redactor:
    """The :class:`Redactor` for ``secret`` (compiled once per token)."""
    return Redactor(secret)


def redact(text: str, secret: str) -> str:
    """``text`` without ``secret`` in any form (see the module docstring for the forms and the short-token rule)."""
    return redactor(secret).text(text) if secret else text
