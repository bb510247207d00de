"""Credentials out of every URL the platform prints or stores: messages, metadata, lineage.

A value that failed validation is often not a well-formed URL (a password with a `/` in it, a
missing scheme, a libpq `key=value` string), so this reads the text for what looks like a
credential rather than trusting a URL parser to find it; it may hide a little too much, never too
little.
"""

from __future__ import annotations

import re

MASK = "***"

_SCHEME = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9+.-]*):(?://)?")
# A parameter whose value is a credential: libpq's password and sslpassword, API tokens and keys,
# signatures, in a query string or a libpq connection string; a quoted value may hold spaces.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>(?:^|(?<=[?&;\s]))[\w.-]*(?:pass|secret|token|key|sig|auth|cred)[\w.-]*\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'|[^&;#\s]*)",
    re.IGNORECASE,
)
_HOST = re.compile(r"[^/?#]*")
# In PostgreSQL's URLs the user is a role name its own messages print; in HTTP's the user info is
# the credential itself (Basic auth, `https://<token>@host`).
_ROLE_NAME_SCHEMES = {"postgresql", "postgres"}


def _masked_user_info(scheme: str, user_info: str) -> str:
    user, colon, _ = user_info.partition(":")
    if scheme.lower() not in _ROLE_NAME_SCHEMES or _HOST.fullmatch(user) is None:
        return MASK
    return f"{user}:{MASK}" if colon else user


def redact_url(url: str, *, secret_path: bool = False) -> str:
    """`url` without its credentials: the user info's password (all of it outside PostgreSQL's
    URLs) and every password-, token- or key-like parameter become `***`. With `secret_path`
    (a webhook's URL, whose path is its token) only the scheme and host are left."""
    url = _SECRET_PARAMETER.sub(lambda m: m["name"] + MASK, url)
    scheme = _SCHEME.match(url)
    prefix = scheme.group(0) if scheme else ""
    user_info, at, address = url[len(prefix) :].rpartition("@")
    credentials = f"{_masked_user_info(scheme['name'] if scheme else '', user_info)}@" if at else ""
    if secret_path:
        host = _HOST.match(address).group(0)
        if host != address:
            address = f"{host}/{MASK}"
    return prefix + credentials + address
