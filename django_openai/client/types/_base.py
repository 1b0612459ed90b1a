"""The base of every response type.

``extra="allow"``: fields that newer API versions or compatible servers add are kept on the
object (``obj.some_new_field``) and in ``to_dict()``, never an error. Only the fields the rest of
the package relies on are declared; everything is optional unless the API always sends it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class OpenAIObject(BaseModel):
    model_config = ConfigDict(extra="allow", protected_namespaces=(), populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The object as plain JSON-compatible data, unknown fields included."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)

    def __getitem__(self, key: str) -> Any:
        # dict-style access eases migration from code written against raw JSON.
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


class Deleted(OpenAIObject):
    id: str
    object: str | None = None
    deleted: bool


class Usage(OpenAIObject):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
