"""Files only the sandbox's owner may read: its data directory (0700) and every secret in it (0600).

The data directory holds the operator's secret, the CA and signing keys and the control credential, so
nothing in it is created readable by others, whatever the process umask: files are opened with mode
0600 from the start (no window where a chmod is still to come) and replaced atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed, and make it 0700 even if it existed before."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def write_private(path: Path, content: bytes | str) -> Path:
    """Write ``content`` to ``path`` with mode 0600, replacing any previous file atomically."""
    data = content.encode() if isinstance(content, str) else content
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    temporary.replace(path)
    return path
