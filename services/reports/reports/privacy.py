"""What residents type, made safe to store and to show to everyone.

- Characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are stripped at
  input: one of them in a description would make every `requests.xml` answer unparseable.
- Public answers show a description with e-mail addresses and phone numbers removed ("call me on
  0612345678" is for the city, not for the internet), the street instead of a typed address, and
  positions rounded to 5 decimals (about a metre), as the project's GeoJSON does.
"""

from __future__ import annotations

import re

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().\-/]{6,}\d(?!\w)")
PHONE_MIN_DIGITS = 9
PUBLIC_DECIMALS = 5


def clean_text(value: str) -> str:
    return XML_FORBIDDEN.sub("", value)


def _phone(match: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in match.group(0))
    return "[phone number removed]" if digits >= PHONE_MIN_DIGITS else match.group(0)


def redact_contacts(text: str) -> str:
    return PHONE.sub(_phone, EMAIL.sub("[e-mail removed]", text))


def public_position(value: float) -> float:
    return round(value, PUBLIC_DECIMALS)
