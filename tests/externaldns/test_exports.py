"""The package's public surface: `__all__` is sorted and every name in it exists."""

from podid.workloads import externaldns


def test_all_names_resolve():
    assert externaldns.__all__ == sorted(externaldns.__all__)
    assert [name for name in externaldns.__all__ if not hasattr(externaldns, name)] == []
