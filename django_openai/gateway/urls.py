"""``path("v1/", include("django_openai.gateway.urls"))``: every path under the include is the
gateway's (unknown ones answer 404 in OpenAI's shape)."""

from django.urls import path

from .views import gateway_view

app_name = "django_openai_gateway"

urlpatterns = [
    path("", gateway_view, name="root"),
    path("<path:path>", gateway_view, name="endpoint"),
]
