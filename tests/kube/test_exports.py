"""The package's public surface: ``__all__`` lists exactly what ``podid.sandbox.kube`` exports, and the fleet
implements the in-process contract it is typed against."""

import inspect

from podid.sandbox import kube
from podid.sandbox.kube import api
from podid.sandbox.kube.storage.cluster import Cluster


def test_all_matches_public_names() -> None:
    for name in kube.__all__:
        getattr(kube, name)  # loads the exports the package loads when first asked for (the fleet, KubeApiError)
    modules = {name for name, value in vars(kube).items() if inspect.ismodule(value)}
    public = {name for name in vars(kube) if not name.startswith("_")} - modules
    assert set(kube.__all__) == public
    assert len(kube.__all__) == len(set(kube.__all__))


def test_implementations_match_the_contract() -> None:
    for protocol, implementation in ((api.KubeFleet, kube.KubeFleet), (api.KubeCluster, Cluster)):
        for name, member in vars(protocol).items():
            if callable(member) and not name.startswith("_"):
                expected = list(inspect.signature(member).parameters)
                assert list(inspect.signature(getattr(implementation, name)).parameters) == expected, name
