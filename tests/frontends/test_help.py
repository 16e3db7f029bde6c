"""Every command and subcommand has help text, in the CLI and in the magic alike."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from IPython.testing import globalipapp

import ipyartifacts
from ipyartifacts.frontends import cli as cli_module
from ipyartifacts.frontends.commands import cli, iter_commands

COMMANDS = iter_commands()
ROOT = Path(__file__).resolve().parents[2]


def _command(path: tuple[str, ...]) -> click.Command:
    group: click.Command = cli
    for name in path:
        assert isinstance(group, click.Group)
        found = group.get_command(click.Context(group, **group.context_settings), name)
        assert found is not None, path
        group = found
    return group


def test_the_grammar_has_every_command_of_the_issue() -> None:
    top = {p[0] for p in COMMANDS}
    wanted = "log put use get ls versions show files preview diff lineage alias tag rm verify gc cache runs"
    assert set(wanted.split()) <= top
    assert {("cache", "size"), ("cache", "cleanup")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_and_option_has_help(path: tuple[str, ...]) -> None:
    command = _command(path)
    assert command.help, path
    assert len(command.help.strip()) > 20, path
    assert command.get_short_help_str(), path
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, (path, param.name)


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "root")
def test_help_flag_prints_usage_and_exits_0(path: tuple[str, ...]) -> None:
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(cli, [*path, flag])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"Usage: cli {' '.join(path)}".rstrip())
        assert _command(path).help.split("\n")[0].strip()[:40] in " ".join(result.stdout.split())


def test_root_help_lists_every_command() -> None:
    out = CliRunner().invoke(cli, ["--help"]).stdout
    for (name,) in [p for p in COMMANDS if len(p) == 1]:
        assert f"\n  {name} " in out


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_magic_help_is_the_same_text(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # the magic wraps at COLUMNS - 2: the same width
    globalipapp.start_ipython()  # once per process; later calls do nothing
    ip = globalipapp.get_ipython()
    assert ip is not None
    if "ipyartifacts" not in ip.extension_manager.loaded:
        ip.run_line_magic("load_ext", "ipyartifacts")
    capsys.readouterr()
    try:
        result = ip.run_cell(f"%artifact {' '.join(path)} --help")
        assert result.success
        assert result.result is None
    finally:
        ipyartifacts.finish()
        ip.run_line_magic("unload_ext", "ipyartifacts")  # no notebook hooks for later tests
    magic = capsys.readouterr().out
    terminal = (
        CliRunner().invoke(cli, [*path, "--help"], prog_name="%artifact", terminal_width=98).stdout
    )
    assert magic.startswith(f"Usage: %artifact {' '.join(path)}")
    assert magic == terminal


def test_console_script_is_declared() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["ipyartifacts"] == "ipyartifacts.frontends.cli:main"
    assert (ROOT / "src" / "ipyartifacts" / "__main__.py").is_file()
    assert cli_module.main.__doc__


def test_license_ships_in_the_sdist_and_the_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tarfile
    import zipfile

    sdist_builder = pytest.importorskip("hatchling.builders.sdist")
    wheel_builder = pytest.importorskip("hatchling.builders.wheel")
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 The ipyartifacts authors" in text

    sdist = next(sdist_builder.SdistBuilder(str(ROOT)).build(directory=str(tmp_path)))
    with tarfile.open(sdist) as tar:
        member = tar.extractfile(f"{Path(sdist).name.removesuffix('.tar.gz')}/LICENSE")
        assert member is not None
        assert member.read().decode() == text

    # The widget bundles are not what is checked here: skip the npm build hook.
    monkeypatch.setenv("HATCH_BUILD_NO_HOOKS", "true")
    wheel = next(wheel_builder.WheelBuilder(str(ROOT)).build(directory=str(tmp_path)))
    with zipfile.ZipFile(wheel) as whl:
        dist_info = next(n.split("/")[0] for n in whl.namelist() if ".dist-info/" in n)
        assert whl.read(f"{dist_info}/licenses/LICENSE").decode() == text
        metadata = whl.read(f"{dist_info}/METADATA").decode().splitlines()
    assert "License-File: LICENSE" in metadata
    assert "License-Expression: MIT" in metadata


def test_lineage_help_says_depth_counts_steps_in_cli_and_magic(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--depth` counts steps (one artifact -> run or run -> artifact edge each), as the widget
    # does; it used to say "runs" while the widget counted edges.
    cli_out = " ".join(CliRunner().invoke(cli, ["lineage", "--help"]).stdout.split())
    assert "How many runs" not in cli_out
    assert "Steps to follow each way; a step is one edge, artifact -> run or run -> artifact" in (
        cli_out
    )
    monkeypatch.setenv("COLUMNS", "100")
    globalipapp.start_ipython()
    ip = globalipapp.get_ipython()
    assert ip is not None
    if "ipyartifacts" not in ip.extension_manager.loaded:
        ip.run_line_magic("load_ext", "ipyartifacts")
    capsys.readouterr()
    try:
        assert ip.run_cell("%artifact lineage --help").success
    finally:
        ipyartifacts.finish()
        ip.run_line_magic("unload_ext", "ipyartifacts")
    magic_out = " ".join(capsys.readouterr().out.split())
    assert "a step is one edge, artifact -> run or run -> artifact" in magic_out
