"""A tiny chat model in GGUF, made here, for running llama.cpp's server in our tests.

No weights can be downloaded in CI, so we write our own: a 2-block llama-architecture model built
by hand rather than trained, so that what it says is known in advance:

- Asked anything, it answers "Hello world! Hello world! ..." and never ends its turn by itself,
  so a reply runs to max_tokens or to a stop sequence.
- Offered tools (and with no tool result yet in the conversation), it calls one:
  <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>, then ends its turn.

How: embeddings are one-hot (plus a constant "bias" dimension); the output matrix is a bigram
table mapping each token to its successor. One attention head of block 0 looks for the
"<tools>" token the chat template writes when tools are offered, another for "<tool_response>";
each raises a flag dimension in the residual stream, and the flags move the first token of the
reply from "Hello" to "<tool_call>". RoPE is made negligible (a huge frequency base, signals in a
head's last dimensions) so that the heads match on content alone. Everything else is zero.

The vocabulary is SentencePiece-style: control tokens for a ChatML template, all 256 byte tokens
(any input text tokenizes by byte fallback), and the pieces of the two replies. The chat template
lists tools and renders calls in <tool_call> tags, Hermes/Qwen style, which llama-server --jinja
parses (and can force with tool_choice "required").

Written with the standard library only (the GGUF v3 layout: header, key/values, tensor infos,
aligned tensor data), so the suite needs no numpy to make it. About 4 MB, made in well under a
second.
"""

from __future__ import annotations

import struct
from pathlib import Path

GGUF_MAGIC = 0x46554747  # "GGUF", little-endian
GGUF_VERSION = 3
ALIGNMENT = 32

# GGUF value types
_UINT32, _INT32, _FLOAT32, _BOOL, _STRING, _ARRAY = 4, 5, 6, 7, 8, 9
# llama.cpp token types
_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED, _BYTE = 1, 2, 3, 4, 6
_F32 = 0  # ggml tensor type

TOOL_NAME = "get_weather"
TOOL_ARGUMENTS = '{"city": "Paris"}'
# The tool tests offer: the model's call matches it (llama-server checks calls against the tools).
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
UNK, BOS, EOS, IM_START, IM_END = range(len(SPECIAL_TOKENS))
BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]
NEWLINE = len(SPECIAL_TOKENS) + ord("\n")
# Matched as whole tokens wherever the prompt contains them (user-defined tokens).
MARKER_TOKENS = ["<tools>", "<tool_response>"]
# The greeting's pieces; "▁" is SentencePiece's space.
GREETING_PIECES = ["Hello", "▁world", "!", "▁Hello"]
TOOL_CALL_PIECES = [
    "<tool_call>",
    '\n{"name": "',
    TOOL_NAME,
    '", "arguments": {"city": "',
    "Paris",
    '"}}',
    "\n</tool_call>",
]
TOKENS = SPECIAL_TOKENS + BYTE_TOKENS + MARKER_TOKENS + ["▁", *GREETING_PIECES, *TOOL_CALL_PIECES]
TOOLS_MARKER, TOOL_RESPONSE_MARKER = (TOKENS.index(piece) for piece in MARKER_TOKENS)
_HELLO, _WORLD, _BANG, _SP_HELLO = (TOKENS.index(piece) for piece in GREETING_PIECES)
_TOOL_CALL = [TOKENS.index(piece) for piece in TOOL_CALL_PIECES]

# Every token is followed by "Hello", except these: the greeting cycles
# (Hello -> ▁world -> ! -> ▁Hello -> ▁world -> ...) and a tool call runs to its end, then <|im_end|>.
SUCCESSOR = {_HELLO: _WORLD, _WORLD: _BANG, _BANG: _SP_HELLO, _SP_HELLO: _WORLD}
SUCCESSOR.update(zip(_TOOL_CALL, [*_TOOL_CALL[1:], IM_END], strict=True))

N_VOCAB = len(TOKENS)
N_EMBD = 320
N_HEAD = 5
HEAD_DIM = N_EMBD // N_HEAD
N_FF = 32
N_LAYER = 2
N_CTX = 16384
# Residual-stream dimensions past the one-hot token dimensions.
BIAS_DIM, TOOLS_FLAG_DIM, TOOL_RESPONSE_FLAG_DIM = N_EMBD - 3, N_EMBD - 2, N_EMBD - 1
# Output weights. A successor scores 6, "Hello" after the prompt's last newline only 3, so the
# tools flag (4.5) wins there and only there; the tool-response flag (-9) cancels it. The final
# RMS norm multiplies these by about sqrt(N_EMBD / 3) (~10): margins of ~15 logits, which
# sampling at any ordinary temperature respects.
SUCCESSOR_WEIGHT = 6.0
REPLY_START_WEIGHT = 3.0
TOOL_CALL_WEIGHT = 4.5
NO_TOOL_CALL_WEIGHT = -9.0
# Attention score of a marker token: about 80 after the 1/sqrt(HEAD_DIM) scaling, against 0 for
# any other token, so a head puts all its weight on the marker wherever it is in the context.
MATCH_WEIGHT = 2.0

# ChatML with tools, in the style of Hermes/Qwen templates: tools listed in the system turn,
# calls as <tool_call>{"name": ..., "arguments": {...}}</tool_call>, results as <tool_response>.
CHAT_TEMPLATE = """\
{%- if tools %}
{{- '<|im_start|>system\\n' }}
{%- if messages[0].role == 'system' %}
{{- messages[0].content + '\\n\\n' }}
{%- endif %}
{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n' }}
{{- 'You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}
{%- for tool in tools %}
{{- '\\n' }}{{- tool | tojson }}
{%- endfor %}
{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments '
    'within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\"name\": <function-name>, '
    '\"arguments\": <args-json-object>}\\n</tool_call><|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
{%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
{%- elif message.role == 'assistant' %}
{{- '<|im_start|>assistant' }}
{%- if message.content %}
{{- '\\n' + message.content }}
{%- endif %}
{%- for tool_call in message.tool_calls or [] %}
{%- if tool_call.function is defined %}
{%- set tool_call = tool_call.function %}
{%- endif %}
{{- '\\n<tool_call>\\n{\"name\": \"' + tool_call.name + '\", \"arguments\": ' }}
{{- tool_call.arguments | tojson }}
{{- '}\\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\\n' }}
{%- elif message.role == 'tool' %}
{%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}
{{- '<|im_start|>user' }}
{%- endif %}
{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}
{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}
{{- '<|im_end|>\\n' }}
{%- endif %}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""


def greeting(n_tokens: int) -> str:
    """What the model answers in n_tokens tokens: "Hello world! Hello world! ..." cut to length."""
    pieces = [GREETING_PIECES[0]]
    token = _HELLO
    while len(pieces) < n_tokens:
        token = SUCCESSOR[token]
        pieces.append(TOKENS[token])
    return "".join(pieces[:n_tokens]).replace("▁", " ")


def write_tiny_chat_model(path: Path) -> Path:
    """Write the model to path (a .gguf file) and return path."""
    metadata: list[tuple[str, int, object]] = [
        ("general.architecture", _STRING, "llama"),
        ("general.name", _STRING, "django-openai tiny greeter"),
        ("general.license", _STRING, "MIT"),
        ("llama.vocab_size", _UINT32, N_VOCAB),
        ("llama.context_length", _UINT32, N_CTX),
        ("llama.embedding_length", _UINT32, N_EMBD),
        ("llama.block_count", _UINT32, N_LAYER),
        ("llama.feed_forward_length", _UINT32, N_FF),
        ("llama.attention.head_count", _UINT32, N_HEAD),
        ("llama.attention.head_count_kv", _UINT32, N_HEAD),
        ("llama.attention.layer_norm_rms_epsilon", _FLOAT32, 1e-5),
        ("llama.rope.dimension_count", _UINT32, HEAD_DIM),
        # Positions barely turn a head's last dimensions: the marker heads match on content alone.
        ("llama.rope.freq_base", _FLOAT32, 1e12),
        ("tokenizer.ggml.model", _STRING, "llama"),
        ("tokenizer.ggml.tokens", _ARRAY, (_STRING, TOKENS)),
        ("tokenizer.ggml.scores", _ARRAY, (_FLOAT32, [0.0] * N_VOCAB)),
        ("tokenizer.ggml.token_type", _ARRAY, (_INT32, _token_types())),
        ("tokenizer.ggml.bos_token_id", _UINT32, BOS),
        ("tokenizer.ggml.eos_token_id", _UINT32, IM_END),
        ("tokenizer.ggml.unknown_token_id", _UINT32, UNK),
        ("tokenizer.ggml.add_bos_token", _BOOL, True),
        ("tokenizer.ggml.add_eos_token", _BOOL, False),
        # No SentencePiece space before text that follows a control token: the server replays the
        # generation prompt ("<|im_start|>assistant\n") through a tool-call grammar, token by token.
        ("tokenizer.ggml.add_space_prefix", _BOOL, False),
        ("tokenizer.chat_template", _STRING, CHAT_TEMPLATE),
    ]
    tensors = _tensors()

    out = bytearray()
    out += struct.pack("<IIQQ", GGUF_MAGIC, GGUF_VERSION, len(tensors), len(metadata))
    for key, value_type, value in metadata:
        out += _string(key) + struct.pack("<I", value_type) + _value(value_type, value)
    offset = 0
    for name, shape, data in tensors:
        out += _string(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", dim) for dim in shape)
        out += struct.pack("<IQ", _F32, offset)
        offset += _aligned(len(data))
    out += bytes(_aligned(len(out)) - len(out))
    for _name, _shape, data in tensors:
        out += data + bytes(_aligned(len(data)) - len(data))

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))
    return path


def _token_types() -> list[int]:
    types = [_UNKNOWN, _CONTROL, _CONTROL, _CONTROL, _CONTROL]
    types += [_BYTE] * len(BYTE_TOKENS)
    types += [_USER_DEFINED] * len(MARKER_TOKENS)
    types += [_NORMAL] * (N_VOCAB - len(types))
    return types


def _tensors() -> list[tuple[str, tuple[int, ...], bytes]]:
    """(name, ggml shape with the input dimension first, little-endian f32 data)."""
    ones = _f32_fill(N_EMBD, 1.0)
    tensors = [
        ("token_embd.weight", (N_EMBD, N_VOCAB), _token_embeddings()),
        ("output_norm.weight", (N_EMBD,), ones),
        ("output.weight", (N_EMBD, N_VOCAB), _output_weights()),
    ]
    for block in range(N_LAYER):
        prefix = f"blk.{block}."
        if block == 0:
            query, key, value, output = _marker_heads()
        else:
            query = key = value = output = _matrix(N_EMBD, N_EMBD, {})
        tensors += [
            (prefix + "attn_norm.weight", (N_EMBD,), ones),
            (prefix + "attn_q.weight", (N_EMBD, N_EMBD), query),
            (prefix + "attn_k.weight", (N_EMBD, N_EMBD), key),
            (prefix + "attn_v.weight", (N_EMBD, N_EMBD), value),
            (prefix + "attn_output.weight", (N_EMBD, N_EMBD), output),
            (prefix + "ffn_norm.weight", (N_EMBD,), ones),
            # A zero feed-forward: it adds nothing to the residual stream.
            (prefix + "ffn_gate.weight", (N_EMBD, N_FF), _matrix(N_FF, N_EMBD, {})),
            (prefix + "ffn_up.weight", (N_EMBD, N_FF), _matrix(N_FF, N_EMBD, {})),
            (prefix + "ffn_down.weight", (N_FF, N_EMBD), _matrix(N_EMBD, N_FF, {})),
        ]
    return tensors


def _token_embeddings() -> bytes:
    entries = {}
    for token in range(N_VOCAB):
        entries[token, token] = 1.0
        entries[token, BIAS_DIM] = 1.0
    return _matrix(N_VOCAB, N_EMBD, entries)


def _output_weights() -> bytes:
    """Row s holds the weights of token s's logit over the residual stream."""
    entries = {}
    for token in range(N_VOCAB):
        if token == NEWLINE:
            entries[_HELLO, token] = REPLY_START_WEIGHT
        else:
            entries[SUCCESSOR.get(token, _HELLO), token] = SUCCESSOR_WEIGHT
    entries[_TOOL_CALL[0], TOOLS_FLAG_DIM] = TOOL_CALL_WEIGHT
    entries[_TOOL_CALL[0], TOOL_RESPONSE_FLAG_DIM] = NO_TOOL_CALL_WEIGHT
    return _matrix(N_VOCAB, N_EMBD, entries)


def _marker_heads() -> tuple[bytes, bytes, bytes, bytes]:
    """Query, key, value and output weights of block 0: head i raises flag i where marker i was seen.

    Every query asks for the same thing (from the bias dimension); only marker i's key answers it,
    and only marker i has a value, which the output projection writes to flag i. With no marker
    in the context the head averages zero values: the flag stays 0.
    """
    # After the attention norm a one-hot + bias embedding has components of sqrt(N_EMBD / 2).
    normed = (N_EMBD / 2) ** 0.5
    query, key, value, output = {}, {}, {}, {}
    for head, (marker, flag) in enumerate(
        [(TOOLS_MARKER, TOOLS_FLAG_DIM), (TOOL_RESPONSE_MARKER, TOOL_RESPONSE_FLAG_DIM)]
    ):
        # The head's last dimension: RoPE turns it by a negligible angle (see the freq_base).
        matching = head * HEAD_DIM + HEAD_DIM - 2
        query[matching, BIAS_DIM] = MATCH_WEIGHT
        key[matching, marker] = MATCH_WEIGHT
        value[head * HEAD_DIM, marker] = 1.0 / normed
        output[flag, head * HEAD_DIM] = 1.0
    return tuple(_matrix(N_EMBD, N_EMBD, entries) for entries in (query, key, value, output))  # type: ignore[return-value]


def _matrix(rows: int, columns: int, entries: dict[tuple[int, int], float]) -> bytes:
    """A rows x columns f32 matrix, row-major (ggml shape (columns, rows)), zero but for entries."""
    data = bytearray(rows * columns * 4)
    for (row, column), value in entries.items():
        struct.pack_into("<f", data, (row * columns + column) * 4, value)
    return bytes(data)


def _f32_fill(count: int, value: float) -> bytes:
    return struct.pack("<f", value) * count


def _aligned(size: int) -> int:
    return (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def _string(text: str) -> bytes:
    encoded = text.encode()
    return struct.pack("<Q", len(encoded)) + encoded


def _value(value_type: int, value: object) -> bytes:
    if value_type == _STRING:
        assert isinstance(value, str)
        return _string(value)
    if value_type == _UINT32:
        return struct.pack("<I", value)
    if value_type == _INT32:
        return struct.pack("<i", value)
    if value_type == _FLOAT32:
        return struct.pack("<f", value)
    if value_type == _BOOL:
        return struct.pack("<?", value)
    if value_type == _ARRAY:
        assert isinstance(value, tuple)
        item_type, items = value
        return struct.pack("<IQ", item_type, len(items)) + b"".join(_value(item_type, v) for v in items)
    raise ValueError(f"unsupported GGUF value type {value_type}")
