"""The API server's OpenAPI v3: the discovery document and one document per served group-version.

``kubectl explain`` (kubectl 1.27 and later) reads them: the built-in kinds' operations and schemas as
kube-apiserver publishes them for the cluster's release (``builtin``, from the data files scripts/openapi_schemas.py
writes), each established CRD's from its structural schema (``crd``, ``crd_paths``), put together and cached by
``documents`` and served as kube-openapi's handler3 serves them (``handler``). The API server imports this module
only: the rest loads at its first ``/openapi/v3`` request, so that serving them costs the sandbox's start nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from podid.sandbox.kube.openapi.served import Served

if TYPE_CHECKING:
    from podid.sandbox.kube.openapi.documents import Documents

PATH = "/openapi/v3"


class OpenApi:
    """One API server's documents, made at its first request."""

    def __init__(self) -> None:
        self._documents: Documents | None = None

    def serve(self, request: web.Request, served: Served) -> web.Response:
        """``/openapi/v3`` or a path under it."""
        from podid.sandbox.kube.openapi import documents, handler  # the first request loads them

        if self._documents is None:
            self._documents = documents.Documents()
        return handler.serve(request, self._documents, served)


__all__ = ["PATH", "OpenApi", "Served"]
