"""Domain operations on the models: the only place where models meet the API client."""

from .batches import (
    cancel_batch,
    create_batch_from_file,
    create_batch_from_requests,
    ingest_batch_results,
    refresh_batch,
)
from .files import aupload_file, resume_upload, upload_file
from .fine_tuning import job_action, refresh_job, start_job

__all__ = [
    "aupload_file",
    "cancel_batch",
    "create_batch_from_file",
    "create_batch_from_requests",
    "ingest_batch_results",
    "job_action",
    "refresh_batch",
    "refresh_job",
    "resume_upload",
    "start_job",
    "upload_file",
]
