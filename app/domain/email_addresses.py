"""Email addresses as the configuration gives them: `status@example.com` or
`Example Status <status@example.com>`, checked before anything is sent to them.

A sane check rather than the full RFC 5322 grammar: one `@`, a local part without spaces or
quoting, a domain of dotted labels. Line breaks and control characters are refused outright,
since an address ends up in a mail header.
"""

from __future__ import annotations

import re

_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64})@"
    rf"(?P<domain>{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+)$"
)
_NAMED = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<address>[^<>]+)>$")
MAX_LENGTH = 254


def parse_address(value: str) -> tuple[str, str]:
    """(display name, address) of `value`; ValueError saying what is wrong and what works."""
    text = value.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError(f"{value!r} holds a line break or control character")
    named = _NAMED.match(text)
    name, address = ("", text)
    if named:
        name, address = named["name"].strip().strip('"'), named["address"].strip()
    if '"' in name:
        raise ValueError(f"{value!r}: write the name without quotes inside it")
    local = _ADDRESS.match(address)
    dots = ".." in address or address.startswith(".") or ".@" in address
    if local is None or len(address) > MAX_LENGTH or dots:
        raise ValueError(
            f"{value!r} is not an email address; write it like status@example.com "
            "or Example Status <status@example.com>"
        )
    return name, address


def domain_of(value: str) -> str:
    """The domain part of a configured address (used to name Message-IDs)."""
    return parse_address(value)[1].rsplit("@", 1)[1].lower()
