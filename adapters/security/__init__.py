"""Password hashing (argon2id) and signed access tokens (JWT, HS256)."""
