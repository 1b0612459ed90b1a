"""Model and manager verbs are the service functions themselves, so they cannot drift from them."""

from __future__ import annotations

import inspect

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


def test_every_verb_names_a_service_function_that_exists():
    verbs = list(_verbs())
    assert len(verbs) == 18
    for owner, name, verb in verbs:
        assert verb.path.startswith("django_openai.services."), (owner, name)
        assert callable(verb.function()), (owner, name)
        assert iscoroutinefunction(verb.function()) == name.startswith("a"), (owner, name)


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
