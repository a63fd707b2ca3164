"""The HTTP API (Litestar): app factory, DTOs, error mapping, auth guard, metrics, controllers."""
