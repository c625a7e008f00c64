"""The package's public surface: `__all__` lists exactly what the package exports."""

from podid.sandbox import rbac


def test_all_matches_public_names():
    public = {name for name in vars(rbac) if not name.startswith("_")}
    submodules = {"evaluator", "roles", "scopes"}
    assert set(rbac.__all__) == public - submodules
    assert len(rbac.__all__) == len(set(rbac.__all__))
