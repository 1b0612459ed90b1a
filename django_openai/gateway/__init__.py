"""An OpenAI-compatible gateway served by the Django site (docs/gateway.md).

Two mounts: ``django_openai.gateway.asgi.gateway_asgi(django_app)`` in front of Django (fast), or
``path("v1/", include("django_openai.gateway.urls"))`` (simple). Nothing is imported here, so that
a project's ``asgi.py`` can import the mount before Django is set up.
"""
