"""``python -m podid.cli``: the same as the ``podid`` command."""

from podid.cli import run_and_exit

run_and_exit()
