"""An admin site holding the test project's own mirror with the default pages."""

from django.contrib import admin
from django.urls import path

from django_openai.admin.base import register_remaining_kinds

site = admin.AdminSite(name="kinds_admin")
register_remaining_kinds(site, "kinds")

urlpatterns = [path("kinds-admin/", site.urls)]
