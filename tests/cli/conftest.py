"""Run `podid` in-process against the session sandbox (its data dir holds the endpoints.json the CLI reads)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from podid.cli import main
from podid.sandbox import Endpoints


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


PodidRunner = Callable[..., Run]


@pytest.fixture
def podid(endpoints: Endpoints, capsys: pytest.CaptureFixture[str]) -> PodidRunner:
    """`podid(*arguments)`: the exit code and what the command printed, targeting the session sandbox."""

    def run(*arguments: str) -> Run:
        capsys.readouterr()
        code = main([*arguments, "--data-dir", endpoints.data_dir])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def data_dir_with(endpoints: Endpoints, tmp_path: Path, **fields: Any) -> Path:
    """A data dir whose endpoints.json is the session sandbox's with some fields replaced (an endpoint that is
    silent, say): podid commands given it talk to the sandbox except there."""
    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copy(Path(endpoints.data_dir) / "endpoints.json", directory / "endpoints.json")
    document = json.loads((directory / "endpoints.json").read_text()) | fields
    (directory / "endpoints.json").write_text(json.dumps(document))
    return directory
