"""The store's write actions, each behind an administrator token (geo.store.auth).

Pages and the command line call these, never ``Store.commit``/``rollback`` directly, so
a visitor's session has no path to a write: without an Admin token from ``auth.login``
every function here raises PermissionError before touching the store.
"""

from __future__ import annotations

from geo.store import Meta, Store, Version, auth
from geo.store.imports import ImportResult
from geo.store.tables import IMPORT_NOTE


def commit_import(admin: object, store: Store, result: ImportResult) -> Version | None:
    """Write a checked import as one version (None when it changes nothing)."""
    who = auth.require(admin)
    if not result.ok:
        raise ValueError("an import with problems (or nothing to import) cannot be committed")
    meta = Meta(who.name, result.file_name, result.sha256, IMPORT_NOTE.format(kind=result.kind))
    return store.commit(result.changeset, meta)


def rollback(admin: object, store: Store, version: int) -> Version | None:
    """A new version restoring the content of ``version``."""
    who = auth.require(admin)
    return store.rollback(version, who.name)
