"""``client.vector_stores``, their files (``.files``) and file batches (``.file_batches``)."""

from .file_batches import FileBatches
from .files import VectorStoreFiles
from .vector_stores import VectorStores

__all__ = ["FileBatches", "VectorStoreFiles", "VectorStores"]
