"""Domain operations on the models: the only place where models meet the API client.

One module per kind, each with its sync verbs and their async twins (``a`` + the name, the same
function awaited: docs/architecture.md, "Sync and async").
"""

from .batches import (
    acancel_batch,
    acreate_batch_from_file,
    acreate_batch_from_requests,
    arefresh_batch,
    cancel_batch,
    create_batch_from_file,
    create_batch_from_requests,
    ingest_batch_results,
    refresh_batch,
)
from .files import aresume_upload, aupload_file, resume_upload, upload_file
from .fine_tuning import (
    acancel_job,
    apause_job,
    arefresh_job,
    aresume_job,
    astart_job,
    cancel_job,
    job_action,
    pause_job,
    refresh_job,
    resume_job,
    start_job,
)

__all__ = [
    "acancel_batch",
    "acancel_job",
    "acreate_batch_from_file",
    "acreate_batch_from_requests",
    "apause_job",
    "arefresh_batch",
    "arefresh_job",
    "aresume_job",
    "aresume_upload",
    "astart_job",
    "aupload_file",
    "cancel_batch",
    "cancel_job",
    "create_batch_from_file",
    "create_batch_from_requests",
    "ingest_batch_results",
    "job_action",
    "pause_job",
    "refresh_batch",
    "refresh_job",
    "resume_job",
    "resume_upload",
    "start_job",
    "upload_file",
]
