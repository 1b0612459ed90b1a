from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from django_openai.views import ChatView, ThreadStreamView

from .demo import views

urlpatterns = [
    path("", views.threads, name="chat"),
    path("chat/new/", views.new_thread, name="new-thread"),
    path("chat/<int:thread_id>/", views.thread, name="thread"),
    # The run's events as named SSE (static/demo/chat.js reads them), and the AI SDK's useChat.
    path("chat/<int:thread_id>/stream/", ThreadStreamView.as_view(), name="thread-stream"),
    path("api/chat", ChatView.as_view(assistant="helper"), name="use-chat"),
    path("api/chat/<str:chat_id>/stream", ChatView.as_view(), name="use-chat-stream"),
    path("gateway/", views.gateway, name="gateway"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("openai/webhooks/", include("django_openai.webhooks.urls")),
    # Under `runserver` (WSGI) the gateway is served through the URLconf; under ASGI
    # (example_project/asgi.py) the faster mount answers /v1/ before Django sees it.
    path("v1/", include("django_openai.gateway.urls")),
]
