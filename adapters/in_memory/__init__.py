"""In-memory twins of the storage ports, for use-case tests and the contract suite."""

from adapters.in_memory.store import InMemoryStore
from adapters.in_memory.uow import InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
