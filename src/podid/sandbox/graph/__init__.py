"""A Microsoft Graph v1.0 subset for the sandbox tenant: applications, service principals, directory objects."""

from podid.sandbox.graph._app import GraphApi

__all__ = ["GraphApi"]
