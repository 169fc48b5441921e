"""Check-digit algorithms shared by the detectors."""

from __future__ import annotations


def ascii_digits(value: str) -> str:
    """The ASCII digits of a formatted value (`4539 1488 ...`, `123-45-6789`), in order.
    `str.isdigit` also takes superscripts and other scripts' digits, which no checksum means."""
    return "".join(ch for ch in value if "0" <= ch <= "9")


def luhn_valid(digits: str) -> bool:
    """The Luhn mod-10 check over a string of ASCII digits (cards, NPI with its 80840 prefix)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
