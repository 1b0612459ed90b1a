from django.apps import AppConfig


class DjangoOpenAIConfig(AppConfig):
    name = "django_openai"
    verbose_name = "OpenAI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The checks, the settings listener, and the tasks: registered in every process, the
        # web's too, since services start tasks by name (they sit below tasks and never import them).
        from . import checks, clients, tasks  # noqa: F401
        from .gateway import checks as gateway_checks  # noqa: F401 - the gateway's settings checks
        from .gateway import receivers  # noqa: F401 - drops a key's cached lookup when it changes
        from .models.base import remote_kinds

        # Every mirror model of the project is known from here on; one without a remote_kind
        # stops the start-up with a message that says what to declare.
        remote_kinds()
