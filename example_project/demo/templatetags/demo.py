from django import template

from ..environment import environment

register = template.Library()


@register.simple_tag
def demo_environment() -> dict[str, str]:
    """Which server, database and broker the demo uses (every page's banner)."""
    return environment()
