"""``python -m tutor`` and the ``tutor`` command: see :mod:`tutor.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
