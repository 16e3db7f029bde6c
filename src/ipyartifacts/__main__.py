"""``python -m ipyartifacts ...``: the same CLI as the ``ipyartifacts`` console script."""

from __future__ import annotations

import sys

from ipyartifacts.frontends.cli import main

if __name__ == "__main__":
    sys.exit(main())
