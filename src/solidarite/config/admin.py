"""The back office of what config composes: the background tasks' results are the ministry's only.

django-tasks-db registers its own admin, which any staff account with the `view_dbtaskresult` permission reads; the
results of every region's tasks are in it (the purge's counts today, planning runs tomorrow), so the national admin
alone sees them (territoire.acces), whatever permissions a group hands out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from solidarite.territoire.acces import is_national_admin


class TaskResultAdmin(DBTaskResultAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_national_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national_admin(request.user)


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
