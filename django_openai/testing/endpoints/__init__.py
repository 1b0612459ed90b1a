"""The fake's endpoints, one module per API area, each with its ``ROUTES``.

They import the layer below them (``state``, ``wire``, ``content``, ``tool_calls``) and, where
one area builds on another, that area (batches and fine-tuning read files; responses keep their
turns in conversations) — never ``fake.py``, which composes them.
"""
