"""The rate limiter now lives at the edge (consent/edge/ratelimit.py); this name stays for callers."""

from consent.edge.ratelimit import rate_limit_hit

__all__ = ["rate_limit_hit"]
