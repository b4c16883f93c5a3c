"""The finders of the static files (STATICFILES_FINDERS): Django's, whose lists, what `collectstatic` copies, leave
out the files no page loads; and their storage, WhiteNoise's, whose compressed copies are of the hashed files only. Finders rather than a StaticFilesConfig subclass: pytest-django serves the static files
to the browser tests only when INSTALLED_APPS holds "django.contrib.staticfiles" itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.contrib.staticfiles import finders
from django.core.files.storage import Storage
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

# Shipped by django-dsfr, django-ninja and django-leaflet, loaded by no page of the platform: `collectstatic`
# leaves them out (paths relative to each static folder, matched as by fnmatch, where `*` also crosses `/`).
# The DSFR is loaded whole from dsfr/dist/dsfr/ (dsfr.min.css, dsfr.module.min.js, dsfr.nomodule.min.js), with
# its fonts, icons, favicons and artwork; the same styles split per component, per utility or per layer, and
# their copies at dist/'s root, were 70 % of the files compressed at collection time. /api/v1/docs is Swagger UI,
# not Redoc; the maps use leaflet.js, not its unminified source nor django-leaflet's form and draw widgets.
# A page asking for one of them fails in production (the manifest has no entry for it):
# tests/config/test_production.py loads the main pages and every file they ask for from the collected folder.
UNUSED_STATIC = (
    *(
        f"dsfr/dist/{part}/*"
        for part in ("analytics", "component", "core", "layout", "legacy", "scheme", "utility")
    ),
    "dsfr/dist/dsfr.*",
    "dsfr/dist/dsfr/dsfr.main.min.css",
    "dsfr/dist/dsfr/dsfr.legacy.min.css",
    "ninja/redoc*",
    "leaflet/leaflet-src.*",
    "leaflet/draw/*",
    "leaflet/leaflet.extras.*",
    "leaflet/leaflet.forms.js",
    "leaflet/leaflet_django.css",
    "leaflet/Control.MiniMap.*",
    "leaflet/proj4*",
)


class LeavesUnused:
    """A finder's `list`, as `collectstatic` walks it, without UNUSED_STATIC."""

    def list(self, ignore_patterns: list[str] | None) -> Iterator[tuple[str, Storage]]:
        yield from super().list([*(ignore_patterns or []), *UNUSED_STATIC])  # type: ignore[misc]


class FileSystemFinder(LeavesUnused, finders.FileSystemFinder):
    """STATICFILES_DIRS (Leaflet's folder), UNUSED_STATIC left out of `collectstatic`."""


class AppDirectoriesFinder(LeavesUnused, finders.AppDirectoriesFinder):
    """The applications' static/ folders, UNUSED_STATIC left out of `collectstatic`."""


class StatiquesCompressees(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """WhiteNoise compresses each file twice, under its own name and under its hashed name. The pages of a server
    with DEBUG off (production, `make demo`) name only the hashed files (`{% static %}` reads the manifest), and the
    collected CSS names the others by their hashed names too: a file under its own name is fetched only with DEBUG
    on, and then served whole. Brotli at its best quality is most of `collectstatic`'s time, half of it for those
    copies: only the hashed files are compressed."""

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        hashed = set(self.hashed_files.values())
        yield from super().compress_files([path for path in paths if path in hashed])
