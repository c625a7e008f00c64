"""The packages' public surfaces: `__all__` lists exactly what each package exports."""

from types import ModuleType

import pytest

from podid import azure_rbac
from podid.sandbox import rbac


@pytest.mark.parametrize(
    ("package", "submodules"),
    [(azure_rbac, {"actions", "roles", "scopes"}), (rbac, {"evaluator"})],
)
def test_all_matches_public_names(package: ModuleType, submodules: set[str]):
    public = {name for name in vars(package) if not name.startswith("_")}
    assert set(package.__all__) == public - submodules
    assert len(package.__all__) == len(set(package.__all__))
