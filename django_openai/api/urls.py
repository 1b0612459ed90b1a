"""The resource API's URLs: ``path("api/openai/", include("django_openai.api.urls"))``."""

from django.urls import path

from .views import assistants, batches, files, fine_tuning, runs, threads

app_name = "django_openai_api"

urlpatterns = [
    path("files/", files.FileList.as_view(), name="file-list"),
    path("files/<str:openai_id>/", files.FileDetail.as_view(), name="file-detail"),
    path("files/<str:openai_id>/content/", files.FileContent.as_view(), name="file-content"),
    path("uploads/", files.UploadList.as_view(), name="upload-list"),
    path("uploads/<int:upload_id>/", files.UploadDetail.as_view(), name="upload-detail"),
    path("uploads/<int:upload_id>/resume/", files.UploadResume.as_view(), name="upload-resume"),
    path("batches/", batches.BatchList.as_view(), name="batch-list"),
    path("batches/<str:openai_id>/", batches.BatchDetail.as_view(), name="batch-detail"),
    path("batches/<str:openai_id>/cancel/", batches.BatchCancel.as_view(), name="batch-cancel"),
    path("batches/<str:openai_id>/items/", batches.BatchItems.as_view(), name="batch-items"),
    path(
        "batches/<str:openai_id>/results.jsonl",
        batches.BatchResultsJSONL.as_view(),
        name="batch-results-jsonl",
    ),
    path("batches/<str:openai_id>/results.csv", batches.BatchResultsCSV.as_view(), name="batch-results-csv"),
    path("fine-tuning/jobs/", fine_tuning.JobList.as_view(), name="job-list"),
    path("fine-tuning/jobs/<str:openai_id>/", fine_tuning.JobDetail.as_view(), name="job-detail"),
    path("fine-tuning/jobs/<str:openai_id>/cancel/", fine_tuning.JobCancel.as_view(), name="job-cancel"),
    path("fine-tuning/jobs/<str:openai_id>/pause/", fine_tuning.JobPause.as_view(), name="job-pause"),
    path("fine-tuning/jobs/<str:openai_id>/resume/", fine_tuning.JobResume.as_view(), name="job-resume"),
    path("fine-tuning/jobs/<str:openai_id>/events/", fine_tuning.JobEvents.as_view(), name="job-events"),
    path(
        "fine-tuning/jobs/<str:openai_id>/checkpoints/",
        fine_tuning.JobCheckpoints.as_view(),
        name="job-checkpoints",
    ),
    path("assistants/", assistants.AssistantList.as_view(), name="assistant-list"),
    path("assistants/<slug:slug>/", assistants.AssistantDetail.as_view(), name="assistant-detail"),
    path(
        "assistants/<slug:slug>/versions/", assistants.AssistantVersions.as_view(), name="assistant-versions"
    ),
    path("threads/", threads.ThreadList.as_view(), name="thread-list"),
    path("threads/<int:thread_id>/", threads.ThreadDetail.as_view(), name="thread-detail"),
    path("threads/<int:thread_id>/items/", threads.ThreadItems.as_view(), name="thread-items"),
    path("threads/<int:thread_id>/runs/", runs.RunList.as_view(), name="run-list"),
    path("threads/<int:thread_id>/runs/<int:run_id>/", runs.RunDetail.as_view(), name="run-detail"),
    path("threads/<int:thread_id>/runs/<int:run_id>/cancel/", runs.RunCancel.as_view(), name="run-cancel"),
]
