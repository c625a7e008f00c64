"""Who a request is: a user name and its groups, as authentication leaves them for authorization.

The group names are those of k8s.io/apiserver pkg/authentication/user (``system:masters``,
``system:authenticated``) and serviceaccount.MakeUsername/MakeGroupNames.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True)
class UserInfo:
    name: str
    groups: tuple[str, ...]


USER = web.RequestKey("user", UserInfo)  # who asks, set by the authentication middleware


def service_account_user(namespace: str, name: str) -> UserInfo:
    groups = ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED)
    return UserInfo(f"system:serviceaccount:{namespace}:{name}", groups)
