"""The sandbox's role-assignment index: who holds which role where, and ARM's decision per request.

Azure's rules themselves (roles, scopes, action matching) live in `podid.azure_rbac`. No HTTP here: the
ARM front door derives the action and scope of each request and asks `RbacIndex.decide`; NOT_APPLICABLE
becomes 403 AuthorizationFailed there.
"""

from podid.sandbox.rbac.evaluator import Assignment, Decision, RbacIndex

__all__ = ["Assignment", "Decision", "RbacIndex"]
