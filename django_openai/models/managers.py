"""Managers: the creation entry points, delegating to the services (which talk to the API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.db import models

if TYPE_CHECKING:
    from .batches import Batch
    from .fine_tuning import FineTuningJob


class BatchManager(models.Manager["Batch"]):
    def create_from_requests(
        self,
        requests: Iterable[Mapping[str, Any]],
        endpoint: str,
        *,
        model: str | None = None,
        metadata: dict[str, str] | None = None,
        client_alias: str = "default",
        owner: Any = None,
    ) -> Batch:
        """Validate, write as JSONL (streamed to a temporary file), upload, and start a batch."""
        from ..services.batches import create_batch_from_requests

        return create_batch_from_requests(
            requests, endpoint, model=model, metadata=metadata, client_alias=client_alias, owner=owner
        )

    async def acreate_from_requests(
        self, requests: Iterable[Mapping[str, Any]], endpoint: str, **options: Any
    ) -> Batch:
        """:meth:`create_from_requests` for async views (runs in a worker thread)."""
        return await sync_to_async(self.create_from_requests)(requests, endpoint, **options)

    def create_from_file(
        self,
        source: Any,
        endpoint: str,
        *,
        metadata: dict[str, str] | None = None,
        client_alias: str = "default",
        owner: Any = None,
    ) -> Batch:
        """Validate a ready JSONL file (path, bytes or file object), upload it, start a batch."""
        from ..services.batches import create_batch_from_file

        return create_batch_from_file(
            source, endpoint, metadata=metadata, client_alias=client_alias, owner=owner
        )


class FineTuningJobManager(models.Manager["FineTuningJob"]):
    async def astart(self, training_file: Any, model: str, **options: Any) -> FineTuningJob:
        """:meth:`start` for async views (runs in a worker thread)."""
        return await sync_to_async(self.start)(training_file, model, **options)

    def start(
        self,
        training_file: Any,
        model: str,
        *,
        validation_file: Any = None,
        method: dict[str, Any] | None = None,
        hyperparameters: dict[str, Any] | None = None,
        suffix: str | None = None,
        seed: int | None = None,
        metadata: dict[str, str] | None = None,
        client_alias: str = "default",
        owner: Any = None,
    ) -> FineTuningJob:
        from ..services.fine_tuning import start_job

        return start_job(
            training_file,
            model,
            validation_file=validation_file,
            method=method,
            hyperparameters=hyperparameters,
            suffix=suffix,
            seed=seed,
            metadata=metadata,
            client_alias=client_alias,
            owner=owner,
        )
