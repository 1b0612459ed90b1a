from django.apps import AppConfig


class DjangoOpenAIConfig(AppConfig):
    name = "django_openai"
    verbose_name = "OpenAI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, clients  # noqa: F401 - registers the checks and the settings listener
