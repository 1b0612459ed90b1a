from django.contrib import admin
from django.urls import include, path

from .demo import views

urlpatterns = [
    path("", views.chat, name="chat"),
    path("stream/", views.stream, name="stream"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("admin/", admin.site.urls),
    path("openai/webhooks/", include("django_openai.webhooks.urls")),
]
