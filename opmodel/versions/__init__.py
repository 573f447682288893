"""Versions of an operating model: snapshots, releases' documents, diffs, the timeline, and the
model as code (YAML/JSON). The core only: every level takes part through the section registry.

Plain functions, for pages, commands and benchmarks alike:

- ``snapshot_build(model)`` the live draft as a document; ``snapshot_as_of(model, when)``
- ``diff_documents(old, new)`` what changed, per section (pure, no query)
- ``document_export(model, release=None)``, ``document_dump(document, "yaml"|"json")``
- ``document_parse(text)`` and ``document_check(document)`` before an import
- writes live in ``opmodel.services``: ``release_publish``, ``document_import``,
  ``document_import_preview``
"""

from .diffs import ModelDiff, diff_documents, document_empty
from .documents import document_check, document_dump, document_export, document_parse
from .refs import DRAFT, Version, version_get
from .snapshots import SCHEMA_VERSION, document_rows, snapshot_as_of, snapshot_build

__all__ = [
    "DRAFT",
    "SCHEMA_VERSION",
    "ModelDiff",
    "Version",
    "diff_documents",
    "document_check",
    "document_dump",
    "document_empty",
    "document_export",
    "document_parse",
    "document_rows",
    "snapshot_as_of",
    "snapshot_build",
    "version_get",
]
