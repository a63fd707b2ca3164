"""Cache and rate-limit adapters: in-process twins for the embedded mode, Redis ones for several processes."""

from adapters.cache.client_ip import client_ip, trusted_networks
from adapters.cache.in_process import InProcessCache
from adapters.cache.rate_limit import InProcessRateLimiter, RedisRateLimiter
from adapters.cache.redis_store import RedisCache, redis_client

__all__ = [
    "InProcessCache",
    "InProcessRateLimiter",
    "RedisCache",
    "RedisRateLimiter",
    "client_ip",
    "redis_client",
    "trusted_networks",
]
