"""The path of one vector store, shared by the vector store resources."""

from __future__ import annotations

from .._resource import path_id


def store_path(vector_store_id: str) -> str:
    return f"/vector_stores/{path_id(vector_store_id, 'vector_store_id')}"
