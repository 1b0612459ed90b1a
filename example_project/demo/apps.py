from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "example_project.demo"
    label = "demo"
    verbose_name = "django-openai demo"

    def ready(self) -> None:
        # The demo's function tools are registered at start-up, so that the web server and the
        # Celery worker both know them.
        from . import tools  # noqa: F401
