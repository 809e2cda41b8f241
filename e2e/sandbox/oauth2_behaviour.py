"""The reference steps of the OAuth2 provider ("Sign in with Cal.com"): RFC 6749, RFC 7636 and RFC 9700 as
CONTRACT §6 has them. Each is a step a deviation may override (behaviour.py)."""

from __future__ import annotations


class OAuth2Behaviour:
    pass
