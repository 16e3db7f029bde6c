"""``link``, ``unlink`` and ``registry ...`` in the CLI (with --json) and as ``%artifact`` magics."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing import globalipapp

import ipyartifacts
from ipyartifacts.frontends.cli import cli
from ipyartifacts.frontends.results import VersionView
from ipyartifacts.frontends.results_registry import RegistriesView, RegistryView
from tests.helpers import write


def run_cli(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(*args: str) -> Any:
    return json.loads(run_cli(*args, "--json").stdout)


@pytest.fixture
def two_versions(work: Path) -> None:
    write(work / "model.pt", "one")
    run_cli("log", "model.pt", "--name", "clf", "--type", "model", "-p", "vision")
    write(work / "model.pt", "two!")
    run_cli("log", "model.pt", "--name", "clf", "--type", "model", "-p", "vision")


@pytest.mark.usefixtures("two_versions")
def test_link_versions_show_and_unlink_with_json() -> None:
    linked = as_json(
        "link", "vision/clf:v1", "wandb-registry-model/classifier", "--alias", "staging"
    )
    assert linked["qualified_name"] == "wandb-registry-model/classifier:v0"
    assert linked["source"] == "vision/clf:v1"
    assert set(linked["aliases"]) == {"latest", "staging"}
    as_json("link", "vision/clf:v0", "wandb-registry-model/classifier")

    versions = as_json("versions", "wandb-registry-model/classifier")
    assert [(v["version"], v["source"]) for v in versions] == [
        ("v1", "vision/clf:v0"),
        ("v0", "vision/clf:v1"),
    ]
    shown = run_cli("show", "wandb-registry-model/classifier:staging").stdout
    assert "linked from  vision/clf:v1" in shown
    listed = as_json("ls", "-p", "wandb-registry-model")
    assert [(c["name"], c["versions"], c["latest"]) for c in listed] == [("classifier", 2, "v1")]
    refused = run_cli("rm", "wandb-registry-model/classifier:v1", code=1)
    assert "unlink" in refused.output

    gone = as_json("unlink", "wandb-registry-model/classifier:staging")
    assert gone == {
        "message": "Unlinked wandb-registry-model/classifier:v0 (it pointed at vision/clf:v1, "
        "which is kept).",
        "ok": True,
        "unlinked": "wandb-registry-model/classifier:v0",
        "source": "vision/clf:v1",
    }
    assert as_json("show", "vision/clf:v1")["version"] == "v1"


@pytest.mark.usefixtures("two_versions")
def test_registry_ls_show_create_and_type_restrictions() -> None:
    names = [r["full_name"] for r in as_json("registry", "ls")]
    assert names == ["wandb-registry-dataset", "wandb-registry-model"]
    created = as_json(
        "registry", "create", "prod-models", "--type", "model", "-d", "Release candidates"
    )
    assert created["artifact_types"] == ["model"]
    assert created["description"] == "Release candidates"
    run_cli("link", "vision/clf:v0", "wandb-registry-prod-models/clf")
    shown = as_json("registry", "show", "prod-models")
    assert shown["collections"] == [{"name": "clf", "type": "model", "versions": 1, "latest": "v0"}]
    failed = run_cli("registry", "create", "prod-models", code=1)
    assert failed.output.startswith("Error: Registry 'prod-models' already exists")
    assert "Traceback" not in failed.output


@pytest.mark.usefixtures("two_versions")
def test_protected_alias_needs_force_on_the_command_line() -> None:
    run_cli("registry", "protect", "model", "production")
    run_cli("link", "vision/clf:v0", "wandb-registry-model/classifier", "--alias", "production")
    refused = run_cli(
        "link", "vision/clf:v1", "wandb-registry-model/classifier", "--alias", "production", code=1
    )
    assert "protected" in refused.output
    assert "--force" in refused.output
    assert "Traceback" not in refused.output
    assert len(as_json("versions", "wandb-registry-model/classifier")) == 1
    run_cli(
        "link", "vision/clf:v1", "wandb-registry-model/classifier", "--alias", "production",
        "--force",
    )  # fmt: skip
    run_cli(
        "registry", "alias", "wandb-registry-model/classifier:v1", "production", "--remove", code=1
    )
    plain = run_cli("alias", "wandb-registry-model/classifier:v0", "production", code=1)
    assert "--force on link, unlink or registry alias" in plain.output  # the way out
    run_cli("registry", "alias", "wandb-registry-model/classifier:v0", "production", "--force")
    history = as_json("registry", "history", "model", "--alias", "production")
    assert [(m["from"], m["to"], m["forced"]) for m in history] == [
        (None, "v0", False),
        ("v0", "v1", True),
        ("v1", "v0", True),
    ]
    assert all("@" in m["actor"] for m in history)


def test_link_errors_are_one_clear_line(work: Path) -> None:
    write(work / "model.pt", "w")
    run_cli("log", "model.pt", "--name", "clf", "--type", "model")
    bad = run_cli("link", "clf:v0", "vision/clf", code=1)
    assert "wandb-registry-<registry>/<collection>" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    not_link = run_cli("unlink", "clf:v0", code=1)
    assert "not a linked artifact" in not_link.output


def test_registry_commands_in_a_real_process(tmp_path: Path, work: Path) -> None:
    write(work / "model.pt", "w")
    env = {"IPYARTIFACTS_STORE": str(tmp_path / "store"), "PATH": "/usr/bin:/bin"}

    def cli_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ipyartifacts", *args],
            capture_output=True,
            text=True,
            env={**env, "PYTHONPATH": ":".join(sys.path)},
            cwd=work,
            check=False,
        )

    assert cli_run("log", "model.pt", "--name", "clf", "--type", "model").returncode == 0
    linked = cli_run("link", "clf:v0", "wandb-registry-model/classifier", "--json")
    assert json.loads(linked.stdout)["version"] == "v0"
    missing = cli_run("show", "wandb-registry-model/classifier:production")
    assert missing.returncode == 1
    assert "has no version 'production'" in missing.stderr
    assert "Traceback" not in missing.stderr


# -- the magics -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    globalipapp.start_ipython()
    ip = globalipapp.get_ipython()
    assert ip is not None
    return ip


@pytest.fixture
def ip(shell: InteractiveShell, work: Path) -> Iterator[InteractiveShell]:
    shell.run_line_magic("load_ext", "ipyartifacts")
    yield shell
    ipyartifacts.finish()
    shell.run_line_magic("unload_ext", "ipyartifacts")


def test_magics_link_registry_ls_and_use_through_the_link(
    ip: InteractiveShell, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work / "model.pt", "weights")
    ok = ip.run_cell("%artifact log model.pt --name clf --type model", store_history=True)
    assert ok.success
    linked = ip.run_cell(
        "%artifact link clf:v0 wandb-registry-model/classifier --alias production",
        store_history=True,
    ).result
    assert isinstance(linked, VersionView)
    assert linked.qualified_name == "wandb-registry-model/classifier:v0"
    registries = ip.run_cell("%artifact registry ls", store_history=True).result
    assert isinstance(registries, RegistriesView)
    assert len(registries) == 2
    used = ip.run_cell(
        "%artifact use wandb-registry-model/classifier:production --root got", store_history=True
    )
    assert used.success
    assert Path(work, "got", "model.pt").read_text() == "weights"

    capsys.readouterr()
    failed = ip.run_cell(
        "%artifact unlink wandb-registry-model/classifier:nope", store_history=True
    )
    assert type(failed.error_in_exec).__name__ == "UsageError"
    assert "has no version 'nope'" in str(failed.error_in_exec)
    assert "Traceback" not in capsys.readouterr().out


def test_magic_registry_show_displays_the_registry_widget(
    ip: InteractiveShell, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipyartifacts.frontends import results as _results

    write(work / "model.pt", "weights")
    assert ip.run_cell("%artifact log model.pt --name clf --type model").success
    assert ip.run_cell("%artifact link clf:v0 wandb-registry-model/classifier").success
    shown = ip.run_cell("%artifact registry show model", store_history=True).result
    assert isinstance(shown, RegistryView)
    assert _results.WIDGET_MIME not in shown._repr_mimebundle_()  # no kernel: text and HTML
    monkeypatch.setattr(_results, "_in_kernel", lambda: True)
    bundle = shown._repr_mimebundle_()
    assert {"text/plain", "text/html", _results.WIDGET_MIME} <= set(bundle)
    widget = shown.widget()
    assert type(widget).__name__ == "RegistryView"
    assert [r["name"] for r in widget.collections] == ["classifier"]
