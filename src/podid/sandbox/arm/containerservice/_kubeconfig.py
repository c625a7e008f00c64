"""The kubeconfig AKS hands out (listClusterUserCredential): what `az aks get-credentials` merges and kubectl uses.

Names follow AKS (https://learn.microsoft.com/azure/aks/control-kubeconfig-access shows an admin one): the cluster
entry and the user context are named after the cluster, the admin context ``<cluster>-admin``, users
``clusterUser_<rg>_<cluster>`` / ``clusterAdmin_<rg>_<cluster>``. The server is the sandbox's API server for the
cluster, trusted through the sandbox CA.
"""

from __future__ import annotations

import base64

import yaml


def kubeconfig(*, cluster: str, resource_group: str, server: str, ca_pem: bytes, token: str, admin: bool) -> bytes:
    user = f"{'clusterAdmin' if admin else 'clusterUser'}_{resource_group}_{cluster}"
    context = f"{cluster}-admin" if admin else cluster
    config = {
        "apiVersion": "v1",
        "clusters": [
            {
                "cluster": {
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                    "server": server,
                },
                "name": cluster,
            }
        ],
        "contexts": [{"context": {"cluster": cluster, "user": user}, "name": context}],
        "current-context": context,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": user, "user": {"token": token}}],
    }
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False).encode()
