"""manage.py openai_import_assistants: exported Assistants API objects become Assistant rows."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

import django_openai
from django_openai.models import Assistant, AssistantVersion
from django_openai.services.assistant_import import import_assistants, read_export
from django_openai.tools import unregister
from tests.spec import spec  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

# As GET /v1/assistants returned them (the AssistantObject of the OpenAPI spec).
MATH_TUTOR = {
    "id": "asst_abc123",
    "object": "assistant",
    "created_at": 1698984975,
    "name": "Math Tutor",
    "description": None,
    "model": "gpt-4o",
    "instructions": "You are a personal math tutor. When asked a question, write and run Python code to answer the question.",
    "tools": [{"type": "code_interpreter"}],
    "tool_resources": {"code_interpreter": {"file_ids": ["file-tables1"]}},
    "metadata": {},
    "top_p": 1.0,
    "temperature": 1.0,
    "response_format": "auto",
}
SUPPORT = {
    "id": "asst_def456",
    "object": "assistant",
    "created_at": 1712345678,
    "name": "Support desk",
    "description": "Answers customers from the handbook.",
    "model": "gpt-4o-mini",
    "instructions": "Answer from the handbook; look orders up when asked.",
    "tools": [
        {
            "type": "file_search",
            "file_search": {
                "max_num_results": 8,
                "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.4},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "import_get_weather",
                "description": "The weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
                "strict": False,
            },
        },
        {
            "type": "function",
            "function": {"name": "lookup_order", "parameters": {"type": "object", "properties": {}}},
        },
    ],
    "tool_resources": {"file_search": {"vector_store_ids": ["vs_handbook"]}},
    "metadata": {"team": "support"},
    "top_p": 0.9,
    "temperature": 0.2,
    "response_format": {"type": "text"},
}
EXTRACTOR = {
    "id": "asst_ghi789",
    "object": "assistant",
    "created_at": 1720000000,
    "name": None,
    "description": None,
    "model": "gpt-4o-2024-08-06",
    "instructions": None,
    "tools": [],
    "tool_resources": {},
    "metadata": {},
    "top_p": 1.0,
    "temperature": 0.0,
    "response_format": {
        "type": "json_schema",
        "json_schema": {
            "name": "invoice",
            "schema": {
                "type": "object",
                "properties": {"total": {"type": "number"}, "currency": {"type": "string"}},
                "required": ["total", "currency"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
}
EXPORT = [MATH_TUTOR, SUPPORT, EXTRACTOR]
PAGE = {
    "object": "list",
    "data": EXPORT,
    "first_id": "asst_abc123",
    "last_id": "asst_ghi789",
    "has_more": False,
}


@pytest.fixture(autouse=True)
def registered_tool():
    @django_openai.tool
    def import_get_weather(city: str) -> str:
        """The weather in a city."""
        return "18C"

    yield
    unregister("import_get_weather")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("openai_import_assistants", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path, content: str | bytes, name: str = "assistants.json"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def test_the_examples_are_what_the_api_returned(spec):  # noqa: F811 - the fixture
    spec.validate_response("GET", "/assistants", PAGE)


def test_each_exported_assistant_becomes_an_assistant(tmp_path):
    out = run(write(tmp_path, json.dumps(EXPORT)))
    tutor = Assistant.objects.get(legacy_id="asst_abc123")
    assert (tutor.name, tutor.slug, tutor.model, tutor.client_alias) == (
        "Math Tutor",
        "math-tutor",
        "gpt-4o",
        "default",
    )
    assert tutor.instructions == MATH_TUTOR["instructions"]
    assert tutor.tools == [
        {"type": "code_interpreter", "container": {"type": "auto", "file_ids": ["file-tables1"]}}
    ]
    assert (tutor.temperature, tutor.top_p, tutor.response_format) == (1.0, 1.0, None)
    assert tutor.version == 1

    support = Assistant.objects.get(legacy_id="asst_def456")
    assert support.tools == [
        # the ranker of the Assistants API is not one of the Responses API's: its threshold stays
        {"type": "file_search", "max_num_results": 8, "ranking_options": {"score_threshold": 0.4}},
        "import_get_weather",
        "lookup_order",
    ]
    assert support.tool_resources == {"file_search": {"vector_store_ids": ["vs_handbook"]}}
    assert (support.temperature, support.top_p) == (0.2, 0.9)
    assert support.metadata == {"team": "support", "description": "Answers customers from the handbook."}

    extractor = Assistant.objects.get(legacy_id="asst_ghi789")
    assert extractor.name == "asst_ghi789"  # it had none
    assert extractor.instructions == ""
    assert extractor.response_format == EXTRACTOR["response_format"]["json_schema"]

    assert "asst_abc123 'Math Tutor': created math-tutor" in out
    assert "warning: function tool 'lookup_order' is not registered" in out
    assert "warning: file_search ranker 'default_2024_08_21' has no Responses equivalent" in out
    assert "import_get_weather' is not registered" not in out
    assert out.rstrip().endswith("3 assistant(s): 3 created, 0 updated, 0 unchanged; 2 warning(s)")


def test_imported_settings_are_what_a_run_sends(tmp_path):
    from django_openai.services.assistants import run_settings

    run(write(tmp_path, json.dumps(EXPORT)))
    support = Assistant.objects.get(legacy_id="asst_def456")
    django_openai.tool(lambda: "ok", name="lookup_order")
    try:
        settings = run_settings(support.latest_version.snapshot, {})
    finally:
        unregister("lookup_order")
    assert list(settings.function_tools) == ["import_get_weather", "lookup_order"]
    # The vector stores reach the hosted tool, as the Responses API wants them.
    assert settings.hosted_tools == [
        {
            "type": "file_search",
            "max_num_results": 8,
            "ranking_options": {"score_threshold": 0.4},
            "vector_store_ids": ["vs_handbook"],
        }
    ]
    extractor = Assistant.objects.get(legacy_id="asst_ghi789")
    assert run_settings(extractor.latest_version.snapshot, {}).json_schema["name"] == "invoice"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(json.dumps(PAGE), id="list-page"),
        pytest.param(json.dumps(PAGE, indent=2), id="list-page-pretty"),
        pytest.param("\n".join(json.dumps(a) for a in EXPORT) + "\n", id="json-lines"),
        pytest.param(
            json.dumps({**PAGE, "data": EXPORT[:2]}) + "\n" + json.dumps({**PAGE, "data": EXPORT[2:]}),
            id="json-lines-of-pages",
        ),
    ],
)
def test_list_pages_and_json_lines_are_read(tmp_path, content):
    run(write(tmp_path, content))
    assert sorted(Assistant.objects.values_list("legacy_id", flat=True)) == [a["id"] for a in EXPORT]


def test_importing_again_changes_nothing_and_a_changed_export_updates_in_place(tmp_path):
    path = write(tmp_path, json.dumps(EXPORT))
    run(path)
    out = run(path)
    assert out.rstrip().endswith("3 assistant(s): 0 created, 0 updated, 3 unchanged; 2 warning(s)")
    assert Assistant.objects.count() == 3 and AssistantVersion.objects.count() == 3

    changed = copy.deepcopy(EXPORT)
    changed[0]["instructions"] = "Explain each step."
    changed[0]["name"] = "Maths Tutor"
    out = run(write(tmp_path, json.dumps(changed)))
    assert "asst_abc123 'Maths Tutor': updated math-tutor" in out  # the slug stays
    tutor = Assistant.objects.get(legacy_id="asst_abc123")
    assert tutor.instructions == "Explain each step."
    assert tutor.version == 2  # a new version, as any change of behaviour makes
    assert Assistant.objects.count() == 3


def test_slugs_do_not_collide(tmp_path):
    Assistant.objects.create(name="Math Tutor", slug="math-tutor", model="gpt-4.1")
    twin = {**MATH_TUTOR, "id": "asst_twin"}
    run(write(tmp_path, json.dumps([MATH_TUTOR, twin])))
    assert sorted(Assistant.objects.filter(legacy_id__startswith="asst_").values_list("slug", flat=True)) == [
        "math-tutor-2",
        "math-tutor-3",
    ]


def test_client_and_owner(tmp_path, settings):
    settings.DJANGO_OPENAI = {"CLIENTS": {"default": {}, "azure": {"PROVIDER": "azure"}}}
    user = get_user_model().objects.create_user("ops")
    path = write(tmp_path, json.dumps([MATH_TUTOR]))
    run(path, "--client", "azure", "--owner", "ops")
    tutor = Assistant.objects.get()
    assert (tutor.client_alias, tutor.owner) == ("azure", user)
    run(path)  # not given again: kept
    tutor.refresh_from_db()
    assert (tutor.client_alias, tutor.owner) == ("azure", user)
    assert "updated" in run(path, "--client", "default")
    tutor.refresh_from_db()
    assert tutor.client_alias == "default"


def test_a_dry_run_writes_nothing(tmp_path):
    out = run(write(tmp_path, json.dumps(EXPORT)), "--dry-run")
    assert "asst_abc123 'Math Tutor': would create math-tutor" in out
    assert out.rstrip().endswith("(dry run: nothing was written)")
    assert Assistant.objects.count() == 0 and AssistantVersion.objects.count() == 0


def test_unknown_tools_and_json_mode_are_reported_and_the_rest_imported(tmp_path):
    legacy = {
        **MATH_TUTOR,
        "id": "asst_v1",
        "tools": [
            {"type": "retrieval"},
            {"type": "browser"},
            {"type": "file_search"},
            {"type": "code_interpreter"},
        ],
        "tool_resources": None,
        "response_format": {"type": "json_object"},
    }
    out = run(write(tmp_path, json.dumps([legacy])))
    assert "warning: tool type 'retrieval' was left out (the Assistants API v1 tool" in out
    assert "warning: tool type 'browser' was left out" in out
    assert "warning: file_search was left out: the assistant has no vector store" in out
    assert "warning: response_format json_object (JSON mode) was left out" in out
    assert Assistant.objects.get().tools == [{"type": "code_interpreter", "container": {"type": "auto"}}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is not JSON"),
        ("[{]", "The file is not JSON: Expecting property name"),
        ('"assistants"', "The file holds a JSON string: expected a list of assistants"),
        ('{"object": "list", "data": 3}', "The file holds a JSON object: expected a list"),
        ("[]", "The file holds no assistants."),
        ("[3]", "record 1 is a JSON number, not an assistant object."),
        ('[{"name": "x", "model": "gpt-4o"}]', "record 1 has no 'id'"),
        (
            '[{"id": "thread_1", "object": "thread"}]',
            "record 1 (thread_1) is a 'thread' object, not an assistant.",
        ),
        ('[{"id": "asst_1"}]', "record 1 (asst_1) has no 'model'."),
        (
            '[{"id": "asst_1", "model": "m", "tools": {}}]',
            "record 1 (asst_1) has a 'tools' that is a JSON object, not a array.",
        ),
        ('[{"id": "asst_1", "model": "m", "tools": ["x"]}]', "has a tool (number 1) that is not an object"),
        (
            '[{"id": "asst_1", "model": "m", "tools": [{"type": "function"}]}]',
            "has a function tool (number 1) without a name",
        ),
        (
            '[{"id": "asst_1", "model": "m", "temperature": "hot"}]',
            "has a 'temperature' that is not a number",
        ),
        (
            '[{"id": "asst_1", "model": "m", "tool_resources": {"file_search": {"vector_store_ids": "vs_1"}}}]',
            "tool_resources.file_search.vector_store_ids that is not a list",
        ),
        (
            '[{"id": "asst_1", "model": "m", "response_format": "json"}]',
            "response_format 'json' that is none of",
        ),
        (
            '[{"id": "asst_1", "model": "m", "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}]',
            "without a 'schema' object",
        ),
        (
            '[{"id": "asst_1", "model": "m"}, {"id": "asst_1", "model": "n"}]',
            "record 2 (asst_1) repeats the id of record 1.",
        ),
        (
            '{"id": "asst_1", "model": "m"}\n{"id": "asst_2", "model": 7}\nnot json',
            "line 2 (asst_2) has no 'model'.",
        ),
    ],
)
def test_bad_input_names_the_record_and_imports_nothing(tmp_path, content, message):
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, content))
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"{tmp_path / 'assistants.json'}: nothing was imported.")
    assert Assistant.objects.count() == 0


def test_every_bad_record_is_named_at_once(tmp_path):
    content = '{"id": "asst_1", "model": "m"}\n{"id": "asst_2"}\nnot json\n[1]'
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, content))
    assert str(raised.value).splitlines()[1:] == [
        "  line 2 (asst_2) has no 'model'.",
        "  line 3 is not JSON (Expecting value: line 1 column 1 (char 0)).",
        "  line 4, record 1 is a JSON number, not an assistant object.",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "missing.json: cannot be read (No such file or directory)."),
        (["{tmp}"], "cannot be read (Is a directory)."),
        (["{latin1}"], "is not UTF-8 text (byte 14)."),
        (["{ok}", "--client", "nope"], "No OpenAI client named 'nope'"),
        (["{ok}", "--owner", "nobody"], "No user 'nobody': --owner takes a username."),
    ],
)
def test_bad_arguments_are_a_message(tmp_path, args, message):
    files = {
        "tmp": str(tmp_path),
        "latin1": write(tmp_path, '[{"name": "Caf\xe9"}]'.encode("latin-1"), "latin1.json"),
        "ok": write(tmp_path, json.dumps([MATH_TUTOR])),
    }
    with pytest.raises(CommandError) as raised:
        run(*[a.format(**files) for a in args])
    assert message in str(raised.value)
    assert Assistant.objects.count() == 0


def test_the_service_reads_and_imports_without_the_command():
    results = import_assistants(read_export(json.dumps(PAGE)), client_alias="default")
    assert [(r.legacy_id, r.action, r.slug) for r in results] == [
        ("asst_abc123", "created", "math-tutor"),
        ("asst_def456", "created", "support-desk"),
        ("asst_ghi789", "created", "asst_ghi789"),
    ]
    assert results[1].warnings and all(isinstance(r.assistant, Assistant) for r in results)
