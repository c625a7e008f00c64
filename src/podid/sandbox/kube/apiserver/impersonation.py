"""User impersonation (``kubectl --as``, ``--as-group``): the request acts as the user its headers name.

As k8s.io/apiserver pkg/endpoints/filters/impersonation.go: the caller needs the ``impersonate`` verb on each
thing it names (``users``, ``serviceaccounts`` in the account's namespace, ``groups``; ``uids`` in
authentication.k8s.io), else the request is a 403 naming it; a service account named without groups gets its
account's groups; every impersonated user but ``system:anonymous`` is also ``system:authenticated``.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.identity.users import AUTHENTICATED, UserInfo, service_account_user
from podid.sandbox.kube.machinery.status import forbidden
from podid.sandbox.kube.rbac.authorizer import Attributes

_SERVICE_ACCOUNT = "system:serviceaccount:"
_ANONYMOUS = "system:anonymous"


def acting_as(context: ApiContext, request: web.Request, caller: UserInfo) -> UserInfo:
    """Who the request acts as: the impersonated user when its headers name one (the caller may), else the caller."""
    name = request.headers.get("Impersonate-User", "")
    groups = tuple(request.headers.getall("Impersonate-Group", ()))
    if not name:
        return caller
    namespace, _, account = name.removeprefix(_SERVICE_ACCOUNT).partition(":")
    if name.startswith(_SERVICE_ACCOUNT) and account:
        _check(context, caller, Attributes("impersonate", "", "", "serviceaccounts", "", namespace, account))
        groups = groups or service_account_user(namespace, account).groups
    else:
        _check(context, caller, Attributes("impersonate", "", "", "users", "", "", name))
    for group in groups:
        _check(context, caller, Attributes("impersonate", "", "", "groups", "", "", group))
    uid = request.headers.get("Impersonate-Uid", "")
    if uid:
        _check(context, caller, Attributes("impersonate", "", "authentication.k8s.io", "uids", "", "", uid))
    if name != _ANONYMOUS and AUTHENTICATED not in groups:
        groups = (*groups, AUTHENTICATED)
    return UserInfo(name, groups)


def _check(context: ApiContext, caller: UserInfo, wanted: Attributes) -> None:
    if not context.authorizer.allows(caller, wanted):
        where = {"namespace": wanted.namespace, "name": wanted.name}
        raise forbidden(wanted.api_group, wanted.resource, user=caller.name, verb="impersonate", **where)
