"""What differs between the two front ends of the grammar: the CLI and the magics.

A :class:`Frontend` travels in click's ``ctx.obj`` to every command of
:mod:`ipyartifacts.frontends.commands`, which hands it to the command layer (:mod:`ipyartifacts.frontends.ops`).
Small parsing helpers shared by both front ends live here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ipyartifacts.errors import ArtifactError, ArtifactStateError, InvalidNameError

if TYPE_CHECKING:
    from ipyartifacts.api.api import Api
    from ipyartifacts.api.run import Run

__all__ = ["Frontend", "is_table_like", "parse_meta", "qualify"]


@dataclass
class Frontend:
    """What differs between the CLI and the magics; commands receive it in ``ctx.obj``.

    Attributes
    ----------
    name : str
        ``"cli"`` or ``"magic"``.
    start_run : callable
        ``(project, store, strict) -> Run``: the run that ``log`` and ``use`` record on.
        ``strict``: the run must be in ``project`` (``log`` commits into the run's project);
        ``use`` may record an artifact of another project on the current run.
    namespace : mapping, optional
        The notebook's variables: arguments naming a table variable log it as a table,
        and ``--as VAR`` binds results here. ``None`` in the CLI.
    progress : bool
        Whether progress bars may be drawn (the CLI, on a terminal).
    emit : callable, optional
        ``(frontend, result) -> None``: show a command's result (the CLI prints it).
    finish_runs : bool
        Finish the runs a command started when it ends (the CLI: one run per command;
        the magics keep the kernel session's run).
    parse_only : bool
        Check the arguments and stop before doing anything (the cell magic, before its cell).
    """

    name: str
    start_run: Callable[[str | None, str | None, bool], Run]
    namespace: MutableMapping[str, Any] | None = None
    progress: bool = False
    emit: Callable[[Frontend, Any], None] | None = None
    finish_runs: bool = False
    parse_only: bool = False
    store: str | None = None
    as_json: bool = False
    result: Any = None
    failed: bool = False
    runs: list[Run] = field(default_factory=list)

    # -- helpers shared by the commands ----------------------------------------------

    def api(self, project: str | None = None) -> Api:
        from ipyartifacts.api.api import Api

        return Api(store=self.store, overrides={"project": project} if project else None)

    def run(self, project: str | None, strict: bool = True) -> Run:
        for run in self.runs:
            if run.state == "running" and (not strict or project in (None, run.project)):
                return run
        run = self.start_run(project, self.store, strict)
        if run not in self.runs:
            self.runs.append(run)
        return run

    def close(self) -> None:
        """End of a command: finish the runs it started (when ``finish_runs``).

        Never raises (it runs while an error may be on its way out). A run the store
        could not mark finished is said in one ``Warning:`` line on stderr, unless the
        command already failed: its error line says what is wrong with the store.
        """
        if not self.finish_runs:
            return
        import sys
        import warnings

        for run in self.runs:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    run.finish(exit_code=1 if self.failed else 0)
                except (ArtifactError, OSError) as exc:  # pragma: no cover - finish is safe
                    caught.append(warnings.WarningMessage(str(exc), RuntimeWarning, "", 0))
            if not self.failed:
                for warning in caught:
                    print(f"Warning: {warning.message}", file=sys.stderr)

    def bind(self, variable: str, value: Any) -> None:
        if self.namespace is None:
            raise ArtifactStateError(
                f"--as {variable} binds a notebook variable; it only works in the %artifact "
                "magic. In a terminal, use the printed path."
            )
        if not variable.isidentifier():
            raise InvalidNameError(
                f"--as needs a Python variable name, got {variable!r}.", name=variable
            )
        self.namespace[variable] = value

    def table_variable(self, argument: str) -> Any:
        """The table held by notebook variable ``argument``, or None when it names a path."""
        if self.namespace is None or not argument.isidentifier():
            return None
        value = self.namespace.get(argument)
        return value if value is not None and is_table_like(value) else None


def is_table_like(value: Any) -> bool:
    """True for pandas/polars DataFrames and pyarrow Tables/RecordBatches (no imports)."""
    cls = type(value)
    module = cls.__module__.split(".", 1)[0]
    return (module, cls.__name__) in {
        ("pandas", "DataFrame"),
        ("polars", "DataFrame"),
        ("pyarrow", "Table"),
        ("pyarrow", "RecordBatch"),
    }


def qualify(spec: str, project: str | None) -> str:
    """``qualify("mnist:v1", "vision")`` -> ``"vision/mnist:v1"``; specs with a project stay.

    The spec is checked as the user wrote it, so a malformed one (``mnist:v1:v2``) is
    reported in their words, not with the project prepended.
    """
    from ipyartifacts.store.names import parse_spec

    parse_spec(spec)
    if project is None or "/" in spec.partition(":")[0]:
        return spec
    return f"{project}/{spec}"


def parse_meta(pairs: Sequence[str]) -> dict[str, Any]:
    """``["epochs=10", "note=first try"]`` -> ``{"epochs": 10, "note": "first try"}``.

    A value that parses as JSON (numbers, true/false/null, lists, objects, quoted
    strings) is stored as that JSON value; anything else is stored as a string.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--meta expects key=value, got {pair!r}.")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        except RecursionError:
            from ipyartifacts.store.names import MAX_METADATA_DEPTH

            raise ValueError(
                f"--meta {key.strip()}=... is nested too deeply to read; metadata may nest "
                f"at most {MAX_METADATA_DEPTH} levels."
            ) from None
        out[key.strip()] = value
    return out
