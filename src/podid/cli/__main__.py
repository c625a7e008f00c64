"""``python -m podid.cli``: the same as the ``podid`` command."""

import sys

from podid.cli import main

sys.exit(main())
