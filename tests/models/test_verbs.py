"""Model and manager verbs are the service functions themselves, so they cannot drift from them."""

from __future__ import annotations

import ast
import inspect
import sys
import typing

import pytest
from asgiref.sync import iscoroutinefunction
from django.apps import apps

from django_openai import services
from django_openai.models import Batch, FineTuningJob
from django_openai.models.verbs import ServiceFunction, ServiceMethod


def _verbs():
    """Every verb declared on a model or a manager of the package: (owner, name, descriptor)."""
    for model in apps.get_app_config("django_openai").get_models():
        for owner in (model, type(model._default_manager)):
            for name in dir(owner):
                value = inspect.getattr_static(owner, name, None)
                if isinstance(value, ServiceFunction | ServiceMethod):
                    yield owner, name, value


def _asynchronous(function) -> bool:
    """Awaited, iterated with ``async for``, or returning something awaitable (``thread.arun``)."""
    if iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
        return True
    returned = typing.get_type_hints(function).get("return")
    return inspect.isclass(returned) and hasattr(returned, "__await__")


def test_every_verb_names_a_service_function_that_exists():
    verbs = list(_verbs())
    assert len(verbs) == 29
    names = {(owner, name) for owner, name, _ in verbs}
    for owner, name, verb in verbs:
        assert verb.path.startswith("django_openai.services."), (owner, name)
        assert callable(verb.function()), (owner, name)
        # An async twin is "a" + the name of a sync verb of the same class (add_message is not one).
        twin = name.startswith("a") and (owner, name[1:]) in names
        assert _asynchronous(verb.function()) == twin, (owner, name)


@pytest.mark.parametrize(
    ("verb", "service"),
    [
        (lambda: Batch.objects.create_from_requests, services.create_batch_from_requests),
        (lambda: Batch.objects.create_from_file, services.create_batch_from_file),
        (lambda: Batch.objects.acreate_from_requests, services.acreate_batch_from_requests),
        (lambda: FineTuningJob.objects.start, services.start_job),
        (lambda: FineTuningJob.objects.astart, services.astart_job),
    ],
)
def test_manager_verbs_are_the_service_functions(verb, service):
    assert verb() is service


def test_model_verbs_are_the_service_functions_bound_to_the_row():
    batch = Batch(openai_id="batch_1")
    assert batch.refresh.__func__ is services.refresh_batch
    assert batch.acancel.__func__ is services.acancel_batch
    assert batch.refresh.__self__ is batch
    job = FineTuningJob(openai_id="ftjob-1")
    for name, service in [
        ("refresh", services.refresh_job),
        ("cancel", services.cancel_job),
        ("pause", services.pause_job),
        ("resume", services.resume_job),
        ("aresume", services.aresume_job),
    ]:
        assert getattr(job, name).__func__ is service
    assert FineTuningJob.pause is services.pause_job
    assert str(inspect.signature(batch.refresh)) == "() -> 'Batch'", "the row is bound"


def _typed_verbs(model_module):
    """What each verb is to type checkers: {(class, name): (service name, is an async twin)}."""
    declared = {}
    for node in ast.walk(ast.parse(inspect.getsource(model_module))):
        if not isinstance(node, ast.ClassDef):
            continue
        for branch in node.body:
            if not (isinstance(branch, ast.If) and getattr(branch.test, "id", "") == "TYPE_CHECKING"):
                continue
            for assign in branch.body:
                value, twin = assign.value, False
                while isinstance(value, ast.Call):  # staticmethod(...), async_twin(...)
                    twin = twin or value.func.id == "async_twin"
                    value = value.args[0]
                declared[(node.name, assign.targets[0].id)] = (value.attr, twin)
    return declared


def test_what_type_checkers_see_is_what_runs():
    # The verbs are declared twice, for type checkers and for the run time: both name one function.
    compared = 0
    for owner, name, verb in _verbs():
        module = sys.modules[owner.__module__]
        service_name, twin = _typed_verbs(module)[(owner.__name__, name)]
        service = getattr(sys.modules[verb.path.rpartition(".")[0]], service_name)
        if twin:
            assert verb.function().func is service, (owner, name)
        else:
            assert verb.function() is service, (owner, name)
        compared += 1
    assert compared == 29
