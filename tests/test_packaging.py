"""The version is written once, in django_openai/__init__.py; the package metadata reads it there."""

from __future__ import annotations

import tomllib
from pathlib import Path

import django_openai
from django_openai.client._base import USER_AGENT

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())


def test_the_metadata_takes_the_version_from_the_package():
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "django_openai/__init__.py"


def test_the_client_announces_the_package_version():
    assert f"django-openai/{django_openai.__version__}" == USER_AGENT
