from django.urls import path

from django_openai.views import ThreadStreamView

urlpatterns = [path("chat/<int:thread_id>/stream/", ThreadStreamView.as_view())]
