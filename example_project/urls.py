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
    # Under `runserver` (WSGI) the gateway is served through the URLconf; under ASGI
    # (example_project/asgi.py) the faster mount answers /v1/ before Django sees it.
    path("v1/", include("django_openai.gateway.urls")),
]
