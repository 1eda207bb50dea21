"""Masking of personal data for roles without PII permission (pages and API alike)."""

from __future__ import annotations

__all__ = ["mask_contact", "mask_email", "mask_name", "mask_phone"]


def mask_email(value: str) -> str:
    """``zhang.wei@example.com`` → ``z***@e***.com``."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_name(value)
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{(host or tld)[:1]}***{dot}{tld if host else ''}"


def mask_phone(value: str) -> str:
    """``+8613812345678`` → ``+86*******5678``: only the country code and last 4 digits."""
    digits = [c for c in value if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(value)
    keep = 2 if value.startswith("+") else 0
    head = ("+" + "".join(digits[:keep])) if keep else ""
    return head + "*" * (len(digits) - keep - 4) + "".join(digits[-4:])


def mask_name(value: str) -> str:
    """``王小明`` → ``王**``; ``Alice`` → ``A****``."""
    return value[:1] + "*" * max(len(value) - 1, 0) if value else value


def mask_contact(value: str) -> str:
    """An e-mail address or a phone number, masked."""
    if "@" in value:
        return mask_email(value)
    if sum(c.isdigit() for c in value) >= 5:
        return mask_phone(value)
    return mask_name(value)
