"""A Microsoft Graph v1.0 subset for the sandbox tenant: applications, service principals, directory objects,
app role and directory role assignments, authorized as Entra ID does."""

from podid.sandbox.graph._app import GraphApi, resource_id

__all__ = ["GraphApi", "resource_id"]
