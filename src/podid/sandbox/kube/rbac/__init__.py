"""Kubernetes RBAC (rbac.authorization.k8s.io/v1): the authorizer, the escalation checks of RBAC writes, the
bootstrap policy and user-facing roles, and the clusterrole-aggregation controller."""
