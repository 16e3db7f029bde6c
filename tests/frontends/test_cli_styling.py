"""Terminal styling: colours and live bars on a real terminal, plain text everywhere else.

``!ipyartifacts ls`` in a notebook runs the CLI under the pseudo-terminal the kernel opens,
so ``isatty()`` is true there, yet a notebook cell shows escape codes raw. These tests run
the real CLI on a real pseudo-terminal with the environment an ipykernel gives its children.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.frontends.test_cli import _in_a_terminal
from tests.helpers import write

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


@pytest.fixture
def logged(work: Path, store: Path) -> dict[str, str]:
    write(work / "data" / "a.txt", "a")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env = {**env, "IPYARTIFACTS_STORE": str(store)}
    env.pop("JPY_PARENT_PID", None)
    env.pop("MPLBACKEND", None)
    code, screen = _in_a_terminal(["log", "data", "-n", "data", "-t", "dataset"], env, work)
    assert code == 0, screen
    return env


@pytest.mark.parametrize(
    "extra",
    [
        {"JPY_PARENT_PID": "4242"},  # a `!` command inside a Jupyter kernel
        {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},  # ipykernel's children
        {"NO_COLOR": "1"},
    ],
)
def test_no_escape_codes_inside_a_kernel_or_when_asked(
    logged: dict[str, str], work: Path, extra: dict[str, str]
) -> None:
    code, screen = _in_a_terminal(["versions", "data"], {**logged, **extra}, work)
    assert code == 0, screen
    assert "\x1b[" not in screen
    assert "v0" in screen


def test_a_real_terminal_is_still_styled(logged: dict[str, str], work: Path) -> None:
    code, screen = _in_a_terminal(["versions", "data"], logged, work)
    assert code == 0, screen
    assert "\x1b[" in screen


def test_styling_rules_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """TERM=dumb and FORCE_COLOR (the pty helper always sets TERM, so these run here)."""
    from ipyartifacts.frontends.cli import styled_terminal

    class Tty:
        def isatty(self) -> bool:
            return True

    for var in ("NO_COLOR", "FORCE_COLOR", "JPY_PARENT_PID", "MPLBACKEND"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert styled_terminal(Tty())
    monkeypatch.setenv("TERM", "dumb")
    assert not styled_terminal(Tty())
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert styled_terminal(object())
