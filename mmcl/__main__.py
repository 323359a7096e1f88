"""``python -m mmcl``: see :mod:`mmcl.cli`."""

import sys

from .cli import main

sys.exit(main())
