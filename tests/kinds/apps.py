from django.apps import AppConfig


class KindsConfig(AppConfig):
    """A project app of the test suite with a mirror of its own: a kind the package does not ship."""

    name = "tests.kinds"
    label = "kinds"
    default_auto_field = "django.db.models.BigAutoField"
