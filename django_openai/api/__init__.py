"""The resource API: files, uploads, batches and fine-tuning jobs over DRF (see docs/api.md).

Mount it with ``path("api/openai/", include("django_openai.api.urls"))``. Every view reaches the
API through ``services`` only; each user sees their own objects (staff every one), and another
user's object is a 404. The classes for authentication, permissions and throttling come from
``DJANGO_OPENAI["API"]``, read at each request.
"""
