"""The small endpoints: completions, embeddings, moderations, models, images, audio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..types.audio import Transcription, Translation
from ..types.completions import Completion
from ..types.embeddings import CreateEmbeddingResponse
from ..types.images import ImagesResponse
from ..types.models import Model, ModelDeleted
from ..types.moderations import ModerationCreateResponse
from ._resource import Resource, path_id, without_self

if TYPE_CHECKING:
    from .._streaming import BinaryResponse
    from ..pagination import SyncPage


class Completions(Resource):
    def create(self, *, model: str, prompt: Any, stream: bool = False, **params: Any) -> Completion:
        """POST /completions (legacy text completions; still served by many local servers)."""
        body = without_self(locals())
        if not stream:
            body.pop("stream")
            return self._post("/completions", body, cast=Completion)
        return self._post("/completions", body, stream_cast=Completion)


class Embeddings(Resource):
    def create(self, *, model: str, input: Any, **params: Any) -> CreateEmbeddingResponse:
        return self._post("/embeddings", without_self(locals()), cast=CreateEmbeddingResponse)


class Moderations(Resource):
    def create(self, *, input: Any, **params: Any) -> ModerationCreateResponse:
        return self._post("/moderations", without_self(locals()), cast=ModerationCreateResponse)


class Models(Resource):
    def list(self, **params: Any) -> SyncPage[Model]:
        return self._list("/models", params, Model)

    def retrieve(self, model: str, **params: Any) -> Model:
        return self._get(f"/models/{path_id(model, 'model')}", params, cast=Model)

    def delete(self, model: str, **params: Any) -> ModelDeleted:
        return self._delete(f"/models/{path_id(model, 'model')}", params, cast=ModelDeleted)


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


_TEXT_FORMATS = frozenset({"text", "srt", "vtt"})


class Transcriptions(Resource):
    path = "/audio/transcriptions"
    cast: Any = Transcription

    def create(self, *, file: Any, model: str, **params: Any) -> Any:
        """Multipart. With ``response_format`` text, srt or vtt the result is a ``str``."""
        body = without_self(locals(), "file")
        text = body.get("response_format") in _TEXT_FORMATS
        return self._request("POST", self.path, body, cast=str if text else self.cast, files={"file": file})


class Translations(Transcriptions):
    path = "/audio/translations"
    cast = Translation


class Speech(Resource):
    def create(self, *, model: str, input: str, voice: Any, **params: Any) -> BinaryResponse:
        """POST /audio/speech: the audio body, unread, to stream to a file (``write_to_file``)."""
        return self._post("/audio/speech", without_self(locals()), stream_body=True)


class Audio(Resource):
    @property
    def transcriptions(self) -> Transcriptions:
        return Transcriptions(self._client)

    @property
    def translations(self) -> Translations:
        return Translations(self._client)

    @property
    def speech(self) -> Speech:
        return Speech(self._client)
