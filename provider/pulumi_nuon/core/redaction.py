"""Keeping the API token out of everything this package says: messages, logs, parsed payloads, state.

A server (or a proxy in front of it) may echo what it was sent, and not always verbatim. :class:`Redactor`
finds the token in these forms and replaces each occurrence with ``***``:

- as it is;
- with any of its characters escaped as JSON (``\\u0063``), as a C/Python escape (``\\x63``), percent-encoded
  (``%63``), as an HTML character reference (``&#99;``, ``&#x63;``) or a named one (``&hyphen;``);
- with whitespace, NULs or invisible characters between its characters (raw or escaped: ``\\r``, ``\\n``,
  ``\\u0000``, ``%0A``, ``&#10;``, a zero-width space), as a folded header (CRLF and a space), a log line split by
  a proxy, or a paste would show it;
- with a dash shown as ``+`` or as a Unicode dash (``‐``, ``−``);
- base64-encoded, at any byte alignment (inside a ``Basic`` header or a longer encoded blob), standard or
  URL-safe alphabet.

**How.** Text is read once into a canonical form — escapes decoded, whitespace and invisible characters dropped,
dashes folded — remembering where each canonical character came from; the token (canonicalised the same way) is
found there with ``str.find`` and each occurrence masked in the original text, from the first character it came
from to the last. Everything is linear in the text and the token: a token of thousands of characters costs no
more than reading it (a regular expression per character, as before, cost seconds and megabytes per thousand).
Text without any escape, space or dash skips the canonical pass.

**Short tokens.** A token shorter than :data:`~pulumi_nuon.core.constants.MIN_REDACT_LENGTH` characters cannot
be told from ordinary text (a one-letter token is in every word). It is redacted only where it stands alone —
not preceded or followed by a letter or digit — and not in escaped or base64 forms. Nuon's tokens are far longer,
so this only ever concerns test tokens; it keeps "deploy" from becoming "d***ploy".

Redaction runs on whole texts, before any excerpt is cut, so half a token is never left at a cut. Every outgoing
string of the package goes through it: error messages, Nuon's own words (``error``, ``description``,
``status_description``), quoted bodies, headers quoted in messages, httpx's and httpcore's log records
(:func:`guard_logs`), and every string of a parsed payload when the body carries the token.
"""

from __future__ import annotations

import base64
import bisect
import functools
import html.entities
import logging
import re
import threading
import weakref
from typing import Any

from pulumi_nuon.core import constants as C

__all__ = ["MASK", "Redactor", "guard_logs", "redact", "redactor"]

MASK = "***"

# One unit of an escaped or split form: an escape standing for one character, or a run of junk standing for none.
_JUNK_CHARS = r"\s\x00\u00ad\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"
_UNIT = re.compile(
    r"\\u(?P<u>[0-9a-fA-F]{4})"
    r"|\\x(?P<x>[0-9a-fA-F]{2})"
    r"|%(?P<pct>[0-9a-fA-F]{2})"
    r"|&#(?P<dec>[0-9]{1,7});"
    r"|&#[xX](?P<hex>[0-9a-fA-F]{1,6});"
    r"|&(?P<name>[A-Za-z][A-Za-z0-9]{1,31});"
    r"|\\[rnt0]"
    rf"|[{_JUNK_CHARS}]+"
)
# Characters that drop out of the canonical form (whitespace, NUL, soft hyphen, zero-width and bidi marks), and
# the dashes folded to "-".
_DROPPED = re.compile(rf"[{_JUNK_CHARS}]")
_FOLD = str.maketrans({c: "-" for c in "+\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"})
# Bytes: ASCII junk deleted and "+" folded at C speed (bytes.translate), for the check of whole bodies.
_FOLD_BYTES = bytes.maketrans(b"+", b"-")
_JUNK_BYTES = b" \t\r\n\x00\x0b\x0c"
# After that, only these can still hide the token: escapes, and multi-byte junk or dashes (UTF-8 lead bytes of
# U+00AD, U+180E, U+2010-U+206x, U+FEFF, U+FE63, U+FF0D).
_SLOW_MARKERS = (b"\\", b"%", b"&", b"\xc2", b"\xe1", b"\xe2", b"\xef")


def _decoded(unit: re.Match[str]) -> str:
    """What one unit stands for in the canonical form ("" for junk; an unknown entity stays as it is)."""
    groups = unit.groupdict()
    for name, base in (("u", 16), ("x", 16), ("pct", 16), ("dec", 10), ("hex", 16)):
        if groups.get(name) is not None:
            code = int(groups[name], base)
            char = chr(code) if code <= 0x10FFFF else ""
            return "" if _DROPPED.fullmatch(char) else char.translate(_FOLD)
    if groups.get("name") is not None:
        named = html.entities.html5.get(groups["name"] + ";")
        if named is None:
            return unit.group()
        return "" if _DROPPED.fullmatch(named) else named.translate(_FOLD)
    return ""  # an escaped or raw junk character


# Multi-byte junk and dashes as UTF-8, removed or folded in bytes before the escape codecs read them as Latin-1.
_UTF8_JUNK = tuple(chr(c).encode() for c in (0xAD, 0x180E, *range(0x200B, 0x2010), *range(0x2028, 0x202F)))
_UTF8_JUNK += tuple(chr(c).encode() for c in (*range(0x2060, 0x2065), 0xFEFF))
_UTF8_DASHES = tuple(c.encode() for c in "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")


def _decoded_body(squeezed: bytes) -> str:
    """A body (ASCII junk already deleted, ``+`` folded) with its escapes decoded by the C codecs: backslash escapes
    (``unicode_escape``), percent-encoding, HTML references; junk dropped and dashes folded. A "may it carry the
    token" form, linear in the body whatever its escapes (a call per escape cost 25x more on a page of text)."""
    import urllib.parse

    if any(lead in squeezed for lead in (b"\xc2", b"\xe1", b"\xe2", b"\xef")):
        for junk in _UTF8_JUNK:
            if junk in squeezed:
                squeezed = squeezed.replace(junk, b"")
        for dash in _UTF8_DASHES:
            if dash in squeezed:
                squeezed = squeezed.replace(dash, b"-")
    text = squeezed.decode("unicode_escape", "replace") if b"\\" in squeezed else squeezed.decode("latin-1")
    if "%" in text:
        text = urllib.parse.unquote(text, "latin-1", "replace")
    if "&" in text:
        text = _ENTITY.sub(_decoded, text)  # a call per reference only (html.unescape also tries every bare "&")
    return _folded(_dropped(text))


_ENTITY = re.compile(r"&(?:#(?P<dec>[0-9]{1,7});|#[xX](?P<hex>[0-9a-fA-F]{1,6});|(?P<name>[A-Za-z][A-Za-z0-9]{1,31});)")
_ASCII_JUNK = ("\t", "\n", "\r", "\x00", "\x0b", "\x0c", " ")
_DASHES = "+\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"


def _dropped(text: str) -> str:
    """``text`` without junk characters (str.replace per kind when ASCII: far faster than a regex over a page)."""
    if not text.isascii():
        return _DROPPED.sub("", text)
    for junk in _ASCII_JUNK:
        if junk in text:
            text = text.replace(junk, "")
    return text


def _folded(text: str) -> str:
    """``text`` with every dash form as "-" (str.replace per form present; str.translate costs ~60 ns a char)."""
    for dash in _DASHES:
        if dash in text:
            text = text.replace(dash, "-")
    return text


# The gate before a body's full decoding: the first PREFIX characters of the token in any form, as one bytes regex
# (its size is bounded whatever the token's length, so it compiles in microseconds and searches at C speed).
_PREFIX = 8


def _ci(hexes: str) -> bytes:
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in hexes).encode()


def _alternatives(texts: list[str]) -> bytes:
    return b"(?:" + b"|".join(_ci(t) for t in texts) + b")"


_JUNK_CODES = (0x00, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xAD, 0x180E, *range(0x200B, 0x2010), *range(0x2028, 0x202F))
_JUNK_CODES += (*range(0x2060, 0x2065), 0xFEFF)
# Any run of junk that survives the squeeze — escaped, referenced, or non-ASCII junk as UTF-8 — as four branches
# that each start with their own byte, so the search tries little at each position.
_BYTES_JUNK = (
    rb"(?:\\(?:[rnt0]|u"
    + _alternatives([f"{c:04x}" for c in _JUNK_CODES])
    + rb"|x"
    + _alternatives([f"{c:02x}" for c in _JUNK_CODES if c < 0x80])
    + rb")|%"
    + _alternatives([f"{c:02x}" for c in _JUNK_CODES if c < 0x80])
    + rb"|&#(?:0*(?:"
    + b"|".join(str(c).encode() for c in _JUNK_CODES)
    + rb")|[xX]0*"
    + _alternatives([f"{c:x}" for c in _JUNK_CODES])
    + rb");|(?:"
    + b"|".join(re.escape(j) for j in _UTF8_JUNK)
    + rb"))*"
)


def _byte_forms(char: str) -> bytes:
    """A bytes regex for ``char`` in any of its forms (raw, escaped, referenced; every dash for "-")."""
    chars = [char] + (list(_DASHES) if char == "-" else [])
    forms: list[bytes] = []
    for c in chars:
        code = ord(c)
        hexes = f"{code:04x}"
        forms += [re.escape(c.encode()), rb"\\u" + _ci(hexes), rb"&#0*" + str(code).encode() + b";"]
        forms += [rb"&#[xX]0*" + _ci(f"{code:x}") + b";"]
        if code < 0x80:
            forms += [rb"\\x" + _ci(f"{code:02x}"), b"%" + _ci(f"{code:02x}")]
        forms += [b"&" + re.escape(name.encode()) for name, value in _named_references().items() if value == c]
    return b"(?:" + b"|".join(forms) + b")"


@functools.lru_cache(maxsize=1)
def _named_references() -> dict[str, str]:
    """HTML's named character references of one character, ending in ";"."""
    import html.entities

    return {name: value for name, value in html.entities.html5.items() if name.endswith(";") and len(value) == 1}


def canonical(text: str) -> str:
    """``text`` as the redactor compares it: escapes decoded, whitespace and invisible characters dropped, dashes
    folded. (Junk is dropped before escapes are decoded, without a call per character; :class:`_Mapped`, which
    keeps positions, decodes unit by unit. The two agree but for escapes split by junk, which this form decodes
    too: it may find the token where the map does not, never the other way round.)"""
    text = _dropped(text)
    if "\\" in text or "%" in text or "&" in text:
        text = _UNIT.sub(_decoded, text)
    return _folded(text)


class _Mapped:
    """The canonical form of a text, and for each of its characters where in the text it came from."""

    def __init__(self, text: str) -> None:
        pieces: list[str] = []
        self.starts: list[int] = []  # canonical offset where each segment starts
        self.origins: list[int] = []  # text offset where each segment starts
        self.ends: list[int] = []  # text offset where each segment ends
        self.plain: list[bool] = []
        at, size = 0, 0
        for unit in _UNIT.finditer(text):
            if unit.start() > at:
                self._add(pieces, text[at : unit.start()].translate(_FOLD), size, at, unit.start(), True)
                size += unit.start() - at
            decoded = _decoded(unit)
            if decoded:
                self._add(pieces, decoded, size, unit.start(), unit.end(), False)
                size += len(decoded)
            at = unit.end()
        if at < len(text):
            self._add(pieces, text[at:].translate(_FOLD), size, at, len(text), True)
        self.text = "".join(pieces)

    def _add(self, pieces: list[str], piece: str, start: int, origin: int, end: int, plain: bool) -> None:
        pieces.append(piece)
        self.starts.append(start)
        self.origins.append(origin)
        self.ends.append(end)
        self.plain.append(plain)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """The text span that canonical characters ``first``..``last`` (inclusive) came from."""
        i = bisect.bisect_right(self.starts, first) - 1
        start = self.origins[i] + (first - self.starts[i] if self.plain[i] else 0)
        j = bisect.bisect_right(self.starts, last) - 1
        end = self.origins[j] + (last - self.starts[j] + 1) if self.plain[j] else self.ends[j]
        return start, end


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
        self._canonical = canonical(secret) if secret and not self.short else ""
        self._fragments = _base64_fragments(secret.encode()) if secret and not self.short else []
        self._fragment_bytes = tuple(f.encode() for f in self._fragments)
        self._short = (
            re.compile(r"(?<![A-Za-z0-9])" + re.escape(secret) + r"(?![A-Za-z0-9])") if secret and self.short else None
        )
        self._raw = secret.encode()
        self._canonical_bytes = self._canonical.encode() if self._canonical.isascii() else None
        self._gate = re.compile(_BYTES_JUNK.join(_byte_forms(c) for c in self._canonical[:_PREFIX]))

    def __repr__(self) -> str:
        return f"Redactor(length={len(self.secret)})"

    def text(self, text: str) -> str:
        """``text`` with every occurrence of the secret, in every form, replaced by ``***``."""
        if not self.secret or not text:
            return text
        if self._short is not None:
            return self._short.sub(MASK, text)
        if self.secret in text:
            text = text.replace(self.secret, MASK)
        if self._canonical in canonical(text):  # only then is the position map worth building
            text = self._masked(text)
        for fragment in self._fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        return text

    def _masked(self, text: str) -> str:
        mapped = _Mapped(text)
        found, at, size = [], 0, len(self._canonical)
        while (at := mapped.text.find(self._canonical, at)) != -1:
            found.append(mapped.span(at, at + size - 1))
            at += size
        if not found:
            return text
        out, last = [], 0
        for start, end in found:
            out += [text[last:start], MASK]
            last = end
        out.append(text[last:])
        return "".join(out)

    def found_in(self, body: bytes) -> bool:
        """Whether ``body`` may carry the secret in any form. Cheap first: substring searches, then the body with
        ASCII junk deleted and dashes folded (C speed); the canonical pass, whose cost grows with the escapes in the
        body, only when escapes or non-ASCII punctuation are there."""
        if not self.secret or not body:
            return False
        if self.short:
            return self._raw in body
        if self._raw in body or any(f in body for f in self._fragment_bytes):
            return True
        squeezed = body.translate(_FOLD_BYTES, _JUNK_BYTES)
        if self._canonical_bytes is not None and self._canonical_bytes in squeezed:
            return True
        if not any(marker in squeezed for marker in _SLOW_MARKERS) or self._gate.search(squeezed) is None:
            return False
        return self._canonical in _decoded_body(squeezed)

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


# --- log records of the HTTP libraries -------------------------------------------------------------------------

# httpx logs each request at INFO with the response's reason phrase, and httpcore at DEBUG with every response
# header: a server that echoes the token there would put it in the program's logs. Filters on these loggers mask
# the tokens of every client alive in the process. (Filters on a logger do not apply to its children: each
# logger that writes records is named.)
_HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_TOKENS: weakref.WeakValueDictionary[int, _Token] = weakref.WeakValueDictionary()
_TOKENS_LOCK = threading.Lock()
_GUARD: _RedactingFilter | None = None


class _Token:
    """A token kept for the log filter as long as the object guarding it (a client) is alive."""

    __slots__ = ("__weakref__", "secret")

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __repr__(self) -> str:
        return "_Token(***)"


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        with _TOKENS_LOCK:  # clients come and go in other threads while this thread logs
            secrets = [token.secret for token in list(_TOKENS.values())]
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is logging's to report
            return True
        clean = message
        for secret in dict.fromkeys(secrets):
            clean = redact(clean, secret)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def guard_logs(secret: str) -> object:
    """Mask ``secret`` in httpx's and httpcore's log records while the returned object is referenced (a client
    keeps it). Installs the filters on first use; costs nothing per record while no token is guarded."""
    global _GUARD
    token = _Token(secret)
    with _TOKENS_LOCK:
        _TOKENS[id(token)] = token
        if _GUARD is None:
            _GUARD = _RedactingFilter()
            for name in _HTTP_LOGGERS:
                logging.getLogger(name).addFilter(_GUARD)
    return token
