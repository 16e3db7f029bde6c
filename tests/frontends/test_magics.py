"""The ``%artifact`` / ``%%artifact`` magics, through a real IPython shell.

Every test has its own store (conftest sets $IPYARTIFACTS_STORE) and ends with no
active run. Cells are run with ``store_history=True``, as a notebook kernel does, so
execution counts and cell hooks behave as they do in Jupyter.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing import globalipapp

import ipyartifacts
from ipyartifacts.frontends import notebook as _notebook
from ipyartifacts.frontends.results import VersionsView, VersionView
from ipyartifacts.frontends.results_diff import DiffView
from ipyartifacts.frontends.results_lineage import LineageView
from tests.helpers import write


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    globalipapp.start_ipython()  # once per process; later calls do nothing
    ip = globalipapp.get_ipython()
    assert ip is not None
    return ip


@pytest.fixture
def ip(shell: InteractiveShell, work: Path) -> Iterator[InteractiveShell]:
    shell.run_line_magic("load_ext", "ipyartifacts")
    shell.user_ns.pop("__vsc_ipynb_file__", None)
    shell.user_ns.pop("__session__", None)
    yield shell
    ipyartifacts.finish()
    shell.run_line_magic("unload_ext", "ipyartifacts")


@pytest.fixture
def data(work: Path) -> Path:
    write(work / "data" / "train.csv", "x,y\n1,2\n")
    return work / "data"


def cell(ip: InteractiveShell, source: str) -> Any:
    """Run a cell like a kernel does; return its value; fail on any error."""
    result = ip.run_cell(source, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec
    return result.result


def failing(ip: InteractiveShell, source: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run a cell that must fail with a UsageError; return what the user sees."""
    capsys.readouterr()
    result = ip.run_cell(source, store_history=True)
    assert not result.success
    assert type(result.error_in_exec).__name__ == "UsageError", result.error_in_exec
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert "Traceback" not in shown
    return str(result.error_in_exec)


def usage_rows(store: Path, role: str) -> list[dict[str, Any]]:
    with sqlite3.connect(store / "catalog.sqlite") as db:
        rows = db.execute("SELECT provenance FROM usage WHERE role = ?", (role,)).fetchall()
    return [json.loads(r[0]) for r in rows]


# -- log and use --------------------------------------------------------------------------------


def test_log_and_use_on_one_session_run(ip: InteractiveShell, data: Path, work: Path) -> None:
    view = cell(ip, "%artifact log data --name mnist --type dataset --alias best")
    assert isinstance(view, VersionView)
    assert view.qualified_name == "uncategorized/mnist:v0"
    path = cell(ip, "%artifact use mnist:best --root got")
    assert path == "got"
    assert (work / "got" / "train.csv").read_text() == "x,y\n1,2\n"
    artifact = ipyartifacts.Api().artifact("mnist:v0")
    maker, users = artifact.logged_by(), artifact.used_by()
    assert maker is not None
    assert [u.id for u in users] == [maker.id]
    assert maker.job_type == "notebook"
    assert maker.state == "running"
    assert ipyartifacts.run is not None
    assert ipyartifacts.run.id == maker.id


def test_use_as_binds_the_path(ip: InteractiveShell, data: Path) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset")
    cell(ip, "%artifact use mnist --as datadir")
    assert Path(ip.user_ns["datadir"], "train.csv").is_file()


def test_an_existing_run_is_reused_and_project_switches_runs(
    ip: InteractiveShell, data: Path
) -> None:
    mine = ipyartifacts.init(project="mine", job_type="prep")
    cell(ip, "%artifact log data -n mnist -t dataset")
    assert ipyartifacts.Api().artifact("mine/mnist").logged_by() == mine
    cell(ip, "%artifact log data -n mnist -t dataset --project other")
    other = ipyartifacts.Api().artifact("other/mnist").logged_by()
    assert other is not None
    assert other.project == "other"
    assert other.job_type == "notebook"


def test_using_another_projects_artifact_keeps_the_session_run(
    ip: InteractiveShell, data: Path
) -> None:
    with ipyartifacts.init(project="team") as team:
        team.log_artifact(str(data), name="shared", type="dataset")
    cell(ip, "%artifact log data -n mine -t dataset")
    session = ipyartifacts.run
    assert session is not None
    assert session.project == "uncategorized"
    cell(ip, "%artifact use shared --project team")
    cell(ip, "%artifact use team/shared")
    assert ipyartifacts.run == session
    assert session.state == "running"
    users = ipyartifacts.Api().artifact("team/shared").used_by()
    assert [u.id for u in users] == [session.id]
    # A log is different: it commits into the run's project, so --project starts a run there.
    cell(ip, "%artifact log data -n mine -t dataset --project team")
    assert ipyartifacts.run is not None
    assert ipyartifacts.run.project == "team"


def test_provenance_records_cell_count_hash_and_notebook(
    ip: InteractiveShell, data: Path, store: Path
) -> None:
    ip.user_ns["__vsc_ipynb_file__"] = "/home/me/analysis.ipynb"
    source = "%artifact log data -n mnist -t dataset"
    count = ip.execution_count
    cell(ip, source)
    cell(ip, "x = %artifact use mnist")
    (out,) = usage_rows(store, "output")
    (used,) = usage_rows(store, "input")
    assert out["notebook"] == used["notebook"] == "/home/me/analysis.ipynb"
    assert out["cell"]["execution_count"] == count
    assert used["cell"]["execution_count"] == count + 1
    assert out["cell"]["code_hash"] == _notebook.CellInfo(None, source).code_hash
    assert out["cell"]["code_hash"] != used["cell"]["code_hash"]
    assert ipyartifacts.run is not None
    assert ipyartifacts.run.name == "analysis"


def test_the_front_ends_cell_id_is_recorded(ip: InteractiveShell, data: Path, store: Path) -> None:
    # JupyterLab and VS Code send each cell's id with the execute request.
    result = ip.run_cell("%artifact log data -n m -t d", store_history=True, cell_id="c-42")
    assert result.success
    (out,) = usage_rows(store, "output")
    assert out["cell"]["id"] == "c-42"


def test_api_calls_in_a_cell_get_provenance_too(
    ip: InteractiveShell, data: Path, store: Path
) -> None:
    cell(
        ip,
        "import ipyartifacts\nrun = ipyartifacts.init()\nrun.log_artifact('data', name='m', type='d')",
    )
    (out,) = usage_rows(store, "output")
    assert out["cell"]["code_hash"]


def test_home_is_expanded_and_store_option_switches_store(
    ip: InteractiveShell, tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write(tmp_path / "home" / "notes.txt", "hi")
    other = tmp_path / "other-store"
    cell(ip, f"%artifact --store {other} log ~/notes.txt -n notes -t text")
    assert ipyartifacts.Api(store=other).artifact("notes").file_count == 1
    assert not ipyartifacts.Api(store=store).artifact_exists("notes")
    got = cell(ip, f"%artifact --store {other} get notes --root ~/copy")
    assert Path(got) == tmp_path / "home" / "copy"
    assert (tmp_path / "home" / "copy" / "notes.txt").read_text() == "hi"


# -- tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})",
        "import polars as pl\ndf = pl.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})",
        "import pyarrow as pa\ndf = pa.table({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})",
    ],
    ids=["pandas", "polars", "pyarrow"],
)
def test_a_table_variable_is_logged_as_a_table(ip: InteractiveShell, make: str) -> None:
    cell(ip, make)
    cell(ip, "%artifact log df --name features --type table")
    assert [e.path for e in ipyartifacts.Api().artifact("features").files()] == ["df.parquet"]
    table = cell(ip, "%artifact use features --table df --as t")
    import pyarrow as pa

    assert isinstance(ip.user_ns["t"], pa.Table)
    assert table.equals(ip.user_ns["t"])
    assert ip.user_ns["t"].to_pydict() == {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def test_a_name_that_is_not_a_table_is_a_path(ip: InteractiveShell, work: Path) -> None:
    write(work / "data", "i am a file")
    cell(ip, "data = 42")
    cell(ip, "%artifact log data --name f --type misc")
    assert [e.path for e in ipyartifacts.Api().artifact("f").files()] == ["data"]


# -- cell magic ---------------------------------------------------------------------------------


def test_cell_magic_runs_the_cell_then_logs_what_it_wrote(
    ip: InteractiveShell, work: Path, store: Path
) -> None:
    body = (
        "from pathlib import Path\nPath('out').mkdir()\nPath('out/result.txt').write_text('42')\n"
    )
    view = cell(ip, f"%%artifact log --name results --type eval out\n{body}")
    assert isinstance(view, VersionView)
    assert view.file_count == 1
    assert (work / "out" / "result.txt").read_text() == "42"
    (out,) = usage_rows(store, "output")
    assert out["cell"]["source"] == body


def test_cell_magic_accepts_the_store_option(ip: InteractiveShell, tmp_path: Path) -> None:
    other = tmp_path / "other"
    cell(ip, f"%%artifact --store {other} log -n r -t eval r.txt\nopen('r.txt', 'w').write('1');")
    assert ipyartifacts.Api(store=other).artifact("r").file_count == 1


def test_cell_magic_checks_arguments_before_running_the_cell(
    ip: InteractiveShell, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = failing(ip, "%%artifact log --type eval out\nopen('ran', 'w').close()", capsys)
    assert "--name" in message
    assert not (work / "ran").exists()


def test_cell_magic_logs_nothing_when_the_cell_fails(ip: InteractiveShell, work: Path) -> None:
    result = ip.run_cell(
        "%%artifact log --name r --type eval out\nraise RuntimeError('boom')", store_history=True
    )
    assert isinstance(result.error_in_exec, RuntimeError)
    assert not ipyartifacts.Api().artifact_exists("r")


def test_cell_magic_is_only_for_log(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "%%artifact log" in failing(ip, "%%artifact use mnist\npass", capsys)


# -- errors and help --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%artifact show nothere", "No artifact named 'nothere'"),
        ("%artifact log nowhere -n x -t d", "no such file or folder"),
        ("%artifact log data --type d", "Missing option '--name'"),
        ("%artifact frobnicate", "No such command 'frobnicate'"),
        ("%artifact use mnist:v7", "no version 'v7'"),
        ("%artifact log 'unclosed -n x -t d", "check the quotes"),
        ("%artifact log data -n 'bad name' -t d", "Invalid artifact name"),
    ],
)
def test_errors_are_one_usage_error_line(
    ip: InteractiveShell,
    data: Path,
    capsys: pytest.CaptureFixture[str],
    line: str,
    expected: str,
) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset")
    message = failing(ip, line, capsys)
    assert expected in message
    assert "\n" not in message.strip()


def test_latest_follows_the_same_rule_in_the_magic(
    ip: InteractiveShell, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset --alias latest")
    (data / "more.txt").write_text("more")
    view = cell(ip, "%artifact log data -n mnist -t dataset -a latest -a best")
    assert view.version == "v1"
    assert set(view.aliases) == {"latest", "best"}
    assert "already points at it" in (cell(ip, "%artifact alias mnist:v1 latest").note or "")
    message = failing(ip, "%artifact alias mnist:v0 latest", capsys)
    assert "'latest' always points at the newest version" in message
    assert "cannot be set, moved or removed by hand" in message
    assert "'vN' always names version N" in failing(
        ip, "%artifact log data -n m -a v0 -t d", capsys
    )


def test_errors_advise_in_the_magics_grammar(
    ip: InteractiveShell, data: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset --alias best")
    message = failing(ip, "%artifact rm mnist:v0", capsys)
    assert "rerun with --delete-aliases" in message
    assert "delete_aliases=True" not in message
    (work / "a-file").write_text("not a store")
    message = failing(ip, "%artifact --store a-file ls", capsys)
    assert "Pass --store DIR before the command (%artifact --store DIR COMMAND ...)" in message
    assert "IPYARTIFACTS_STORE" in message
    assert "init(store" not in message
    cell(ip, "%artifact rm mnist:v0 --delete-aliases")


def test_a_malformed_name_is_one_line_in_the_users_words(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    message = failing(ip, "%artifact show mnist:v1:v2 -p vision", capsys)
    assert message.startswith("Malformed artifact name: expected NAME, NAME:ALIAS or NAME:vN")
    assert "got 'mnist:v1:v2'" in message


@pytest.mark.parametrize("line", ["%artifact --help", "%artifact log --help", "%artifact"])
def test_help_prints_and_returns_nothing(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    assert cell(ip, line) is None
    out = capsys.readouterr().out
    assert "Usage: %artifact" in out


def test_magic_docstring_is_the_help(ip: InteractiveShell) -> None:
    doc = ip.find_line_magic("artifact").__doc__
    assert doc.startswith("Usage: %artifact [OPTIONS] COMMAND")
    assert "lineage" in doc


def test_importing_the_package_does_not_import_the_front_ends() -> None:
    code = (
        "import sys, ipyartifacts; "
        "print(sorted(m for m in ('click', 'IPython', 'rich') if m in sys.modules)); "
        "print(callable(ipyartifacts.load_ipython_extension))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


# -- results and display ----------------------------------------------------------------------


def test_listings_return_displayable_results(
    ip: InteractiveShell, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A terminal shell formats text only; a notebook kernel also asks for HTML.
    monkeypatch.setattr(ip.display_formatter.formatters["text/html"], "enabled", True)
    cell(ip, "%artifact log data -n mnist -t dataset")
    write(data / "more.txt", "more")
    cell(ip, "%artifact log data -n mnist -t dataset")
    versions = cell(ip, "%artifact versions mnist")
    assert isinstance(versions, VersionsView)
    assert len(versions) == 2
    assert '<table class="ipa-g">' in versions._repr_html_()
    assert "v1" in versions._repr_html_()
    diff = cell(ip, "%artifact diff mnist:v0 v1")
    assert isinstance(diff, DiffView)
    assert diff.added == ["more.txt"]
    lineage = cell(ip, "%artifact lineage mnist:v1")
    assert isinstance(lineage, LineageView)
    formatted = ip.display_formatter.format(lineage)[0]
    assert "lineage of uncategorized/mnist:v1" in formatted["text/plain"]
    assert "upstream (what it was made from)" in formatted["text/html"]
    assert repr(lineage).startswith("<LineageView uncategorized/mnist:v1")


def test_lineage_of_one_session_shows_both_sides(ip: InteractiveShell, data: Path) -> None:
    # One kernel session logs a dataset, uses it and logs a model made from it.
    cell(ip, "%artifact log data -n mnist -t dataset")
    cell(ip, "p = %artifact use mnist")
    cell(ip, "%%artifact log -n net -t model model.txt\nopen('model.txt', 'w').write('w');")
    view = cell(ip, "%artifact lineage mnist")
    labels = {n.id: n.label for n in view.nodes}
    down = {labels[s.node]: s.step for s in view.downstream}
    assert down["uncategorized/net:v0"] == 2
    up = {labels[s.node] for s in view.upstream}
    assert "uncategorized/net:v0" not in up
    assert "uncategorized/mnist:v0" not in up | set(down)


def test_a_trailing_semicolon_hides_the_cell_value(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    cell(ip, "%%artifact log -n a -t misc a.txt\nopen('a.txt', 'w').close()\n'hidden-value';")
    cell(ip, "%%artifact log -n b -t misc b.txt\nopen('b.txt', 'w').close()\n'shown-value'")
    out = capsys.readouterr().out
    assert "hidden-value" not in out
    assert "shown-value" in out


@pytest.fixture
def shown(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Everything the shell displays: the output hook's values and display() calls."""
    seen: list[Any] = []
    compute = ip.displayhook.compute_format_data
    publish = ip.display_pub.publish

    def hook(result: Any) -> Any:
        seen.append(result)
        return compute(result)

    def published(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("data", args[0] if args else None))
        return publish(*args, **kwargs)

    monkeypatch.setattr(ip.displayhook, "compute_format_data", hook)
    monkeypatch.setattr(ip.display_pub, "publish", published)
    return seen


def test_a_trailing_semicolon_hides_a_line_magics_result(
    ip: InteractiveShell, data: Path, shown: list[Any]
) -> None:
    result = ip.run_cell(
        '%artifact log data -n mnist -t dataset --description "first cut";', store_history=True
    )
    assert result.success, result.error_in_exec
    assert result.result is None
    assert shown == []
    assert ipyartifacts.Api().artifact("mnist:v0").description == "first cut"
    # Without the ';' the same kind of command is displayed (the hook above sees it).
    assert isinstance(cell(ip, "%artifact show mnist"), VersionView)
    assert len(shown) == 1


def test_a_semicolon_hides_the_result_but_as_still_binds(
    ip: InteractiveShell, data: Path, shown: list[Any]
) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset;")
    result = ip.run_cell("%artifact use mnist --root got --as datadir ;  ", store_history=True)
    assert result.success, result.error_in_exec
    assert result.result is None
    assert shown == []
    assert ip.user_ns["datadir"] == "got"


@pytest.mark.parametrize(
    ("tail", "stored"),
    [("'a;'", "a;"), ('"a;"', "a;"), ("a\\;", "a;"), ('"a";;', "a;"), ("'it''s;'", "its;")],
)
def test_a_semicolon_inside_quotes_or_escaped_is_part_of_the_value(
    ip: InteractiveShell, data: Path, tail: str, stored: str
) -> None:
    cell(ip, f"%artifact log data -n mnist -t dataset --description {tail}")
    assert ipyartifacts.Api().artifact("mnist:v0").description == stored


def test_a_trailing_semicolon_on_the_cell_magic_line_hides_its_result(
    ip: InteractiveShell, shown: list[Any]
) -> None:
    result = ip.run_cell(
        "%%artifact log -n r -t eval r.txt --description done;\n_ = open('r.txt', 'w').write('1')",
        store_history=True,
    )
    assert result.success, result.error_in_exec
    assert result.result is None
    assert shown == []
    assert ipyartifacts.Api().artifact("r").description == "done"


def test_json_returns_plain_data(ip: InteractiveShell, data: Path) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset")
    listed = cell(ip, "%artifact ls --json")
    assert [c["name"] for c in listed] == ["mnist"]
    assert cell(ip, "%artifact use mnist --json")["path"].endswith("mnist:v0")


def test_widgets_only_in_a_kernel_and_can_be_turned_off(
    ip: InteractiveShell, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.frontends import results as _results

    cell(ip, "%artifact log data -n mnist -t dataset")
    versions = cell(ip, "%artifact versions mnist")
    assert set(versions._repr_mimebundle_()) == {"text/plain", "text/html"}  # a terminal
    monkeypatch.setattr(_results, "_in_kernel", lambda: True)
    assert _results.WIDGET_MIME in versions._repr_mimebundle_()
    assert type(versions.widget()).__name__ == "VersionTable"
    monkeypatch.setenv("IPYARTIFACTS_WIDGETS", "0")
    assert _results.WIDGET_MIME not in versions._repr_mimebundle_()
    monkeypatch.delenv("IPYARTIFACTS_WIDGETS")

    def broken(self: VersionsView) -> None:
        raise FileNotFoundError("bundle not built")

    monkeypatch.setattr(VersionsView, "widget", broken)
    assert set(versions._repr_mimebundle_()) == {"text/plain", "text/html"}


def test_user_strings_are_escaped_in_html(ip: InteractiveShell, data: Path) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset -d '<img src=x onerror=alert(1)>'")
    html = cell(ip, "%artifact show mnist")._repr_html_()
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


_ALLOWED_TAGS = {"style", "div", "table", "thead", "tbody", "tr", "th", "td"}


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(),
    pairs=st.lists(st.tuples(st.text(), st.text()), max_size=4),
    cells=st.lists(st.text(), min_size=2, max_size=2),
    line=st.text(),
)
def test_html_escapes_every_user_string(
    title: str, pairs: list[tuple[str, str]], cells: list[str], line: str
) -> None:
    from html.parser import HTMLParser

    from ipyartifacts.frontends.results import Grid, KeyValues, Line, render_html

    blocks = [
        KeyValues(title, tuple(pairs)),
        Grid(title, ("a", "b"), (tuple(cells),)),
        Line(line),
    ]

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.tags: set[str] = set()
            self.cells: list[str] = []
            self._text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.add(tag)
            self._text = []

        def handle_data(self, data: str) -> None:
            self._text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "div"):
                self.cells.append("".join(self._text))
            self._text = []

    parser = Collect()
    parser.feed(render_html(blocks))
    parser.close()
    assert parser.tags <= _ALLOWED_TAGS

    # Every user string comes back as text, exactly (modulo HTML's CR normalisation).
    def norm(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    texts = {norm(t) for t in parser.cells}
    wanted = [*(v for kv in pairs for v in kv), *cells, line]
    if title:
        wanted.append(title)
    for text in wanted:
        assert norm(text) in texts


# -- completion -------------------------------------------------------------------------------


def test_tab_completes_commands_names_and_aliases(ip: InteractiveShell, data: Path) -> None:
    cell(ip, "%artifact log data -n mnist -t dataset --alias best")
    cell(ip, "%artifact log data -n other -t dataset")

    def complete(line: str) -> dict[str, tuple[int, int]]:
        """What Jupyter gets (IPython's completions API): text -> replaced range."""
        with provisionalcompleter():
            found = ip.Completer.completions(line, len(line))
            return {c.text: (c.start, c.end) for c in found}

    assert "use" in complete("%artifact us")
    names = complete("%artifact use mn")
    assert set(names) == {"mnist", "mnist:best", "mnist:latest", "mnist:v0"}
    # IPython's tokens stop at ':', yet the whole word is replaced, and nothing else
    # (Python builtins from jedi) is offered.
    after_colon = complete("%artifact use mnist:")
    assert set(after_colon) == {"mnist:best", "mnist:latest", "mnist:v0"}
    assert after_colon["mnist:best"] == (len("%artifact use "), len("%artifact use mnist:"))
    assert set(complete("%artifact show mnist:b")) == {"mnist:best"}
    assert set(complete("%artifact diff mnist:v0 ot")) == {"other", "other:latest", "other:v0"}
    assert not any(k.startswith("mnist") for k in complete("%artifact log --na"))
    assert complete("%artifact use zz") == {}
    assert set(complete("%artifact log x --type da")) == {"dataset"}
    assert set(complete("%artifact ls -t ")) == {"dataset"}


def test_completion_lists_versions_only_for_a_few_names(
    ip: InteractiveShell, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.frontends import magics as _magics

    monkeypatch.setattr(_magics, "_EXPAND_LIMIT", 2)
    for name in ("aa", "ab", "ac"):
        write(work / name, name)
        cell(ip, f"%artifact log {name} -n {name} -t misc")
    assert _magics._artifact_candidates("a") == ["aa", "ab", "ac"]
    assert "ab:v0" in _magics._artifact_candidates("ab")
    assert _magics._artifact_candidates("ab:") == ["ab:v0", "ab:latest"]


# -- preview, and which widget each result shows ------------------------------------------------

HOSTILE = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture
def table_data(work: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = work / "tables"
    folder.mkdir()
    pq.write_table(pa.table({"id": [1, 2, 3], "s": ["a", HOSTILE, "c"]}), folder / "t.parquet")
    write(folder / "notes.md", "# not a table\n")
    write(folder / "sub" / "e.csv", "x\n1\n")
    return folder


def test_preview_returns_a_result_that_displays_rows(
    ip: InteractiveShell, table_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.frontends import results as _results

    cell(ip, "%artifact log tables -n splits -t dataset")
    shown = cell(ip, "%artifact preview splits t --rows 2")
    assert type(shown).__name__ == "PreviewView"
    assert (shown.path, shown.num_rows, len(shown)) == ("t.parquet", 3, 2)
    bundle = shown._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert "first 2 row(s)" in bundle["text/plain"]
    assert HOSTILE in bundle["text/plain"]
    assert "<img" not in bundle["text/html"]
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in bundle["text/html"]
    monkeypatch.setattr(_results, "_in_kernel", lambda: True)
    bundle = shown._repr_mimebundle_()
    assert _results.WIDGET_MIME in bundle
    widget = shown.widget()
    assert type(widget).__name__ == "TablePreview"
    assert widget.num_rows == 3
    assert [c["name"] for c in widget.columns] == ["id", "s"]
    data = cell(ip, "%artifact preview splits:v0 sub/e.csv --json")
    assert data == {"schema": [{"name": "x", "type": "int64"}], "rows": [{"x": 1}], "num_rows": 1}


def test_preview_of_a_non_table_is_a_usage_error(
    ip: InteractiveShell, table_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cell(ip, "%artifact log tables -n splits -t dataset")
    message = failing(ip, "%artifact preview splits notes.md", capsys)
    assert "Cannot preview 'notes.md'" in message
    assert "Parquet" in message
    assert "JSON Lines" in message


def test_each_result_shows_its_widget_in_a_kernel(
    ip: InteractiveShell, table_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.frontends import results as _results

    cell(ip, "%artifact log tables -n splits -t dataset")
    write(table_data / "sub" / "e.csv", "x\n1\n2\n")
    cell(ip, "%artifact log tables -n splits -t dataset --meta note=new")
    monkeypatch.setattr(_results, "_in_kernel", lambda: True)
    kinds = {
        "show splits": "ArtifactView",
        "files splits": "FileBrowser",
        "versions splits": "VersionTable",
        "diff splits:v0 v1": "DiffView",
        "lineage splits": "LineageGraph",
        "preview splits t.parquet": "TablePreview",
    }
    for line, kind in kinds.items():
        result = cell(ip, f"%artifact {line}")
        assert type(result.widget()).__name__ == kind, line
        bundle = result._repr_mimebundle_()
        assert {"text/plain", "text/html", _results.WIDGET_MIME} <= set(bundle), line
    diff = cell(ip, "%artifact diff splits:v0 v1").widget()
    assert diff.counts["modified"] == 1
    assert diff.metadata == [{"key": "note", "kind": "added", "old": None, "new": '"new"'}]


def test_tab_completes_table_paths_after_preview(ip: InteractiveShell, table_data: Path) -> None:
    from ipyartifacts.frontends.magics import candidates_for

    cell(ip, "%artifact log tables -n splits -t dataset")
    assert candidates_for("%artifact preview spl")[1] == ["splits", "splits:v0", "splits:latest"]
    assert candidates_for("%artifact preview splits ") == ("", ["sub/e.csv", "t.parquet"], "path")
    assert candidates_for("%artifact preview splits:v0 t") == ("t", ["t.parquet"], "path")
    assert candidates_for("%artifact preview nothere ")[1] == []


# -- notebook path discovery -------------------------------------------------------------------


def test_notebook_path_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = types.SimpleNamespace(user_ns={})
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert _notebook.notebook_path(shell) is None
    monkeypatch.setenv("JPY_SESSION_NAME", "/srv/lab/train.ipynb")
    assert _notebook.notebook_path(shell) == "/srv/lab/train.ipynb"
    shell.user_ns["__session__"] = "work/lab.ipynb"
    assert _notebook.notebook_path(shell) == "work/lab.ipynb"
    shell.user_ns["__vsc_ipynb_file__"] = "/code/vs.ipynb"
    assert _notebook.notebook_path(shell) == "/code/vs.ipynb"


def test_colab_notebook_name_through_its_message_api(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def blocking_request(kind: str, timeout_sec: int = 0) -> dict[str, Any]:
        calls.append(kind)
        return {"ipynb": {"metadata": {"colab": {"name": "Tour.ipynb"}}}}

    colab = types.ModuleType("google.colab")
    message = types.ModuleType("google.colab._message")
    message.blocking_request = blocking_request  # type: ignore[attr-defined]
    colab._message = message  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert _notebook.notebook_path(types.SimpleNamespace(user_ns={})) == "colab:Tour.ipynb"
    assert calls == ["get_ipynb"]
