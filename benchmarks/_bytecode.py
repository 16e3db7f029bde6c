"""Byte-compile ipyartifacts before timing it, as installing its wheel does.

Peers are pip-installed, so every module of theirs is already bytecode; ipyartifacts runs
from its source tree (an editable install, or ``PYTHONPATH=src``). Where
``PYTHONDONTWRITEBYTECODE`` is set (it is on the machines here), each fresh process would
otherwise compile the whole package again: 0.5-0.7 s of every step, a cost no installed
copy pays.
"""

from __future__ import annotations

import subprocess
import sys

_COMPILE = (
    "import compileall, os, ipyartifacts; "
    "compileall.compile_dir(os.path.dirname(ipyartifacts.__file__), quiet=1)"
)


def compile_ipyartifacts(env: dict[str, str] | None = None) -> None:
    """Compile the ipyartifacts that ``sys.executable`` imports (under ``env``)."""
    subprocess.run([sys.executable, "-c", _COMPILE], check=True, env=env, stdout=subprocess.DEVNULL)
