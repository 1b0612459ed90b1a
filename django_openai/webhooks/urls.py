from django.urls import path

from .views import webhook_view

app_name = "django_openai_webhooks"

urlpatterns = [
    path("", webhook_view, name="receive"),
    # One URL per client alias, when aliases have their own webhook secrets.
    path("<str:alias>/", webhook_view, name="receive-alias"),
]
