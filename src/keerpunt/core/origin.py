"""Whether a request comes from our own pages. One answer for the socket handshake (S14)
and for cookie-authenticated writes (S15), so the two cannot drift apart."""

from __future__ import annotations

from urllib.parse import urlsplit


def own_origin_matches(origin: str | None, host: str | None, public_origin: str = "") -> bool:
    """True when `origin` (the browser's Origin header) is this site.

    With `public_origin` set (the address people type, behind the reverse proxy), only
    that exact origin is ours. Without it, the origin's host and port must be the Host the
    request was sent to: the proxy passes Host on, and a page on another site cannot make
    its browser send our Host with its own Origin. A missing or opaque ("null") origin is
    never ours."""
    if not origin or origin == "null":
        return False
    if public_origin:
        return origin.rstrip("/").lower() == public_origin.rstrip("/").lower()
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or not host:
        return False
    default = {"http": "80", "https": "443"}[parts.scheme]
    return _with_port(parts.netloc, default) == _with_port(host, default)


def _with_port(netloc: str, default: str) -> str:
    netloc = netloc.lower()
    if netloc.endswith("]") or ":" not in netloc.rsplit("]", 1)[-1]:
        return f"{netloc}:{default}"
    return netloc
