"""The kernel session's run, and where the current cell and notebook are.

Loaded with the ``%artifact`` magics (``%load_ext ipyartifacts``):

* :func:`session_run` starts one run per kernel session (job type ``"notebook"``) the
  first time a command needs one, and reuses it (or a run you started with ``init()``);
* a ``pre_run_cell`` hook remembers the running cell, and a provenance hook
  (``ipyartifacts.api.run.provenance_hook``) adds to every log/use, magic or API call::

      {"cell": {"execution_count": 7, "code_hash": "<blake3 of the source>", "id": "..."},
       "notebook": "analysis/train.ipynb"}

Notebook path discovery, in order: VS Code (``__vsc_ipynb_file__`` in the user
namespace), JupyterLab / Notebook 7 (``__session__`` in the user namespace, set by
ipykernel from the session; else ``$JPY_SESSION_NAME``, set by jupyter-server), Colab
(the notebook's name, read through ``google.colab``'s kernel message API when it is
importable). Anything else (a terminal IPython, nbclient without a path) records none.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipyartifacts.api.run import Run

__all__ = ["CellInfo", "install", "notebook_path", "provenance", "session_run", "uninstall"]

JOB_TYPE = "notebook"


@dataclass(frozen=True)
class CellInfo:
    """The cell being executed."""

    execution_count: int | None
    source: str
    cell_id: str | None = None

    @property
    def code_hash(self) -> str:
        import blake3

        return str(blake3.blake3(self.source.encode("utf-8")).hexdigest())

    def to_provenance(self) -> dict[str, Any]:
        """``{"execution_count", "code_hash", "id"?}``: the cell, without its source."""
        data: dict[str, Any] = {
            "execution_count": self.execution_count,
            "code_hash": self.code_hash,
        }
        if self.cell_id:
            data["id"] = self.cell_id
        return data


class _State:
    shell: Any = None
    cell: CellInfo | None = None
    hook: Callable[[], dict[str, Any]] | None = None
    extra: list[dict[str, Any]] = []


def _pre_run_cell(info: Any) -> None:
    shell = _State.shell
    # The number the front end shows as In[N]. IPython 9 increments execution_count before
    # pre_run_cell, IPython 8 after the cell: the display hook's prompt_count is N in both.
    hook = getattr(shell, "displayhook", None)
    count = getattr(hook, "prompt_count", None)
    if not isinstance(count, int):
        count = getattr(shell, "execution_count", None)
    _State.cell = CellInfo(
        execution_count=count if isinstance(count, int) else None,
        source=str(getattr(info, "raw_cell", "") or ""),
        cell_id=getattr(info, "cell_id", None),
    )


def provenance() -> dict[str, Any]:
    """Provenance of the current cell: ``{"cell": {...}, "notebook": path}`` (what is known)."""
    data: dict[str, Any] = {}
    if _State.cell is not None:
        data["cell"] = _State.cell.to_provenance()
    path = notebook_path(_State.shell)
    if path is not None:
        data["notebook"] = path
    for extra in _State.extra:
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
    return data


class extra_provenance:
    """Context manager: merge ``values`` into provenance while it is active (the cell magic)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __enter__(self) -> None:
        _State.extra.append(self.values)

    def __exit__(self, *exc: object) -> None:
        _State.extra.remove(self.values)


def notebook_path(shell: Any = None) -> str | None:
    """The notebook file the kernel runs, where the front end tells (else None)."""
    namespace: Mapping[str, Any] = getattr(shell, "user_ns", None) or {}
    for key in ("__vsc_ipynb_file__", "__session__"):
        value = namespace.get(key)
        if isinstance(value, str) and value.endswith(".ipynb"):
            return value
    env = os.environ.get("JPY_SESSION_NAME")
    if env and env.endswith(".ipynb"):
        return env
    return _colab_notebook_name()


def _colab_notebook_name() -> str | None:
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import _message  # type: ignore[import-not-found]

        reply = _message.blocking_request("get_ipynb", timeout_sec=5)
        meta = (reply or {}).get("ipynb", {}).get("metadata", {})
        name = meta.get("colab", {}).get("name")
    except Exception:  # Colab's private API: any failure just means "unknown"
        return None
    return f"colab:{name}" if isinstance(name, str) and name else None


def session_run(project: str | None, store: str | None, strict: bool = True) -> Run:
    """The kernel session's run: the active run if it fits, else a new ``notebook`` run.

    The active run fits when it is in ``store`` (None: any) and, when ``strict`` (a
    ``log``, which commits into the run's project), in ``project`` (None: any). ``use``
    is not strict: an artifact of another project is recorded on the session's run. A
    new run (in ``project``, else the default project) replaces the active one, as
    ``init()`` does.
    """
    import ipyartifacts
    from ipyartifacts.api.run import active_run
    from ipyartifacts.store.config import resolve_store

    current = active_run()
    if current is not None and current.state == "running":
        same_project = not strict or project is None or current.project == project
        same_store = store is None or Path(current.store) == resolve_store(store).root
        if same_project and same_store:
            return current
    path = notebook_path(_State.shell)
    name = f"{Path(path).stem}" if path and not path.startswith("colab:") else None
    run: Run = ipyartifacts.init(project=project, job_type=JOB_TYPE, name=name, store=store)
    return run


def install(shell: Any) -> None:
    """Start tracking cells of ``shell`` and add the notebook provenance hook."""
    from ipyartifacts.api import run as _run

    if _State.shell is shell:
        return
    if _State.shell is not None:
        uninstall(_State.shell)
    _State.shell = shell
    shell.events.register("pre_run_cell", _pre_run_cell)
    _State.hook = provenance
    _run.provenance_hook.append(provenance)


def uninstall(shell: Any) -> None:
    """Undo :func:`install` (``%unload_ext ipyartifacts``)."""
    from ipyartifacts.api import run as _run

    if _State.shell is not shell:
        return
    with contextlib.suppress(ValueError):
        shell.events.unregister("pre_run_cell", _pre_run_cell)
    if _State.hook in _run.provenance_hook:
        _run.provenance_hook.remove(_State.hook)
    _State.shell, _State.cell, _State.hook = None, None, None
