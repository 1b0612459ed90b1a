from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("openai/webhooks/", include("django_openai.webhooks.urls")),
    path("api/openai/", include("django_openai.api.urls")),
]
