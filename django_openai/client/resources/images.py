"""``client.images``: generate, edit and vary images."""

from __future__ import annotations

from typing import Any

from ..types.images import ImagesResponse
from ._resource import Resource, without_self


class Images(Resource):
    def generate(self, *, prompt: str, **params: Any) -> ImagesResponse:
        return self._post("/images/generations", without_self(locals()), cast=ImagesResponse)

    def edit(self, *, image: Any, prompt: str, mask: Any = None, **params: Any) -> ImagesResponse:
        """Multipart. ``image`` may be one file or a list of files (sent as ``image[]``)."""
        body = without_self(locals(), "image", "mask")
        # The API takes several images under the array field name ``image[]``.
        files = {"image[]" if isinstance(image, list) else "image": image, "mask": mask}
        return self._request("POST", "/images/edits", body, cast=ImagesResponse, files=files)

    def create_variation(self, *, image: Any, **params: Any) -> ImagesResponse:
        body = without_self(locals(), "image")
        return self._request("POST", "/images/variations", body, cast=ImagesResponse, files={"image": image})
