from django.contrib import admin
from django.urls import include, path

from django_openai.views import ChatView, ThreadStreamView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("openai/webhooks/", include("django_openai.webhooks.urls")),
    path("api/openai/", include("django_openai.api.urls")),
    # The gateway's simple mount (tests/gateway run the ASGI mount in front of the same project).
    path("v1/", include("django_openai.gateway.urls")),
    # The streaming views (tests/streaming).
    path("chat/<int:thread_id>/stream/", ThreadStreamView.as_view()),
    path("api/chat", ChatView.as_view(assistant="streamer")),
    path("api/chat/<str:chat_id>/stream", ChatView.as_view()),
]
