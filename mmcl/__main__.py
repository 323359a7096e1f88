"""``python -m mmcl``: see :mod:`mmcl.cli`."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a worker process of ``grade --jobs`` imports the main module again
    sys.exit(main())
