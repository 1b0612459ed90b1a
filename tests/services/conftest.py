import pytest
from django.conf import settings
from django.test import override_settings


@pytest.fixture
def small_parts(use_openai_fake, tmp_path):
    """The fake as the default client; files above 1 KB go through the Uploads API in 4 KB parts,
    staged under tmp_path. (Overrides nest in order, so each is undone in turn.)"""
    fake = use_openai_fake()
    options = {"UPLOAD_PART_THRESHOLD_BYTES": 1000, "UPLOAD_PART_SIZE_BYTES": 4096}
    with override_settings(
        DJANGO_OPENAI={**settings.DJANGO_OPENAI, **options}, MEDIA_ROOT=str(tmp_path / "media")
    ):
        yield fake
