"""Snapshot W&B's public artifact surface, to hold ipyartifacts' W&B compatibility against.

wandb is never a dependency of ipyartifacts: this script makes a throwaway virtualenv,
installs the pinned wandb release into it, introspects (names, parameter names and
defaults, property vs method) the classes and functions that artifact, registry and model
code uses, and writes ``tests/api/wandb_surface.json``. ``tests/api/test_wandb_surface.py``
compares ipyartifacts with that snapshot and lists what is missing.

Usage::

    python scripts/wandb_surface.py                 # wandb 0.31.0 into a temp venv
    python scripts/wandb_surface.py --venv /tmp/wb  # reuse a venv (wandb installed if missing)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

WANDB_VERSION = "0.31.0"
OUT = Path(__file__).resolve().parents[1] / "tests" / "api" / "wandb_surface.json"

# What is compared: (label, dotted path in wandb, members or None for every public member).
# Run and the public run carry far more than artifacts need (media, system metrics, sweeps):
# only the members W&B's artifact, registry, table and model docs use are listed.
INTROSPECT = r"""
import inspect, json, sys
import importlib

def resolve(path):
    mod, _, attr = path.rpartition(":")
    obj = importlib.import_module(mod)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj

def params(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        out.append({"name": p.name, "kind": p.kind.name, "default": default,
                    "required": p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)})
    return out

def member(cls, name):
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property):
        return {"kind": "property", "settable": raw.fset is not None}
    if isinstance(raw, (classmethod, staticmethod)):
        return {"kind": "method", "params": params(getattr(cls, name))}
    if callable(raw):
        return {"kind": "method", "params": params(raw)}
    return {"kind": "attribute"}

spec = json.loads(sys.argv[1])
# Constructors users call themselves; the others (collections, types, public runs,
# registries) are built by Api from server responses, so their __init__ is W&B-internal.
CONSTRUCTED_BY_USERS = {"Artifact", "Api", "Table"}
result = {}
try:
    from pydantic import BaseModel
    PYDANTIC = set(dir(BaseModel))
except ImportError:
    PYDANTIC = set()
for label, path, names in spec:
    obj = resolve(path)
    explicit = names is not None
    fields = []
    if names is None:
        names = sorted(n for n in dir(obj) if not n.startswith("_"))
        if inspect.isclass(obj) and hasattr(obj, "model_fields"):
            # a pydantic model: its fields are the surface, BaseModel's own methods are not
            fields = sorted(n for n in obj.model_fields if not n.startswith("_"))
            names = sorted({n for n in names if n not in PYDANTIC} | set(fields))
    entry = {}
    for name in names:
        if inspect.ismodule(obj):
            value = getattr(obj, name, None)
            if value is None and name != "run":
                continue
            entry[name] = ({"kind": "class", "params": params(value.__init__)} if inspect.isclass(value)
                           else {"kind": "function", "params": params(value)} if callable(value)
                           else {"kind": "attribute"})
        elif name in fields or (explicit and not hasattr(obj, name)):
            entry[name] = {"kind": "attribute"}  # a field or an instance attribute
        else:
            if not hasattr(obj, name):
                continue
            entry[name] = member(obj, name)
    if label in CONSTRUCTED_BY_USERS:
        entry["__init__"] = {"kind": "method", "params": params(obj.__init__)}
    result[label] = entry
print(json.dumps(result, indent=1, sort_keys=True))
"""

SPEC: list[tuple[str, str, list[str] | None]] = [
    (
        "module",
        "wandb:",
        [
            "Api",
            "Artifact",
            "Table",
            "finish",
            "init",
            "link_model",
            "log",
            "log_artifact",
            "log_model",
            "login",
            "run",
            "use_artifact",
            "use_model",
        ],
    ),
    ("Artifact", "wandb:Artifact", None),
    (
        "Run",
        "wandb.sdk.wandb_run:Run",
        [
            "config",
            "dir",
            "entity",
            "finish",
            "finish_artifact",
            "group",
            "id",
            "job_type",
            "link_artifact",
            "link_model",
            "log",
            "log_artifact",
            "log_model",
            "name",
            "notes",
            "path",
            "project",
            "summary",
            "tags",
            "upsert_artifact",
            "url",
            "use_artifact",
            "use_model",
        ],
    ),
    (
        "Api",
        "wandb:Api",
        [
            "artifact",
            "artifact_collection",
            "artifact_collection_exists",
            "artifact_collections",
            "artifact_exists",
            "artifact_type",
            "artifact_types",
            "artifact_versions",
            "artifacts",
            "create_registry",
            "project",
            "projects",
            "registries",
            "registry",
            "run",
            "runs",
        ],
    ),
    (
        "PublicRun",
        "wandb.apis.public:Run",
        [
            "config",
            "created_at",
            "delete",
            "entity",
            "group",
            "history",
            "id",
            "job_type",
            "logged_artifacts",
            "name",
            "notes",
            "path",
            "project",
            "state",
            "summary",
            "tags",
            "update",
            "url",
            "used_artifacts",
            "use_artifact",
            "log_artifact",
        ],
    ),
    (
        "ArtifactManifestEntry",
        "wandb.sdk.artifacts.artifact_manifest_entry:ArtifactManifestEntry",
        None,
    ),
    ("ArtifactCollection", "wandb.apis.public:ArtifactCollection", None),
    ("ArtifactType", "wandb.apis.public:ArtifactType", None),
    ("Registry", "wandb.apis.public.registries.registry:Registry", None),
    (
        "Table",
        "wandb:Table",
        [
            "add_column",
            "add_data",
            "columns",
            "data",
            "get_column",
            "get_dataframe",
            "get_index",
            "iterrows",
        ],
    ),
]


def _python(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="virtualenv to use (made if missing)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wandb-surface-") as tmp:
        venv_dir = args.venv or Path(tmp) / "venv"
        python = _python(venv_dir)
        if not python.exists():
            venv.create(venv_dir, with_pip=True)
        probe = subprocess.run(
            [str(python), "-c", "import wandb; print(wandb.__version__)"],
            capture_output=True,
            text=True,
        )
        if probe.stdout.strip() != WANDB_VERSION:
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", f"wandb=={WANDB_VERSION}"], check=True
            )
        done = subprocess.run(
            [str(python), "-c", INTROSPECT, json.dumps(SPEC)],
            capture_output=True,
            text=True,
            check=True,
            env={"WANDB_SILENT": "true", "WANDB_MODE": "offline", "PATH": "/usr/bin:/bin"},
        )
    surface = json.loads(done.stdout)
    surface["_meta"] = {"wandb": WANDB_VERSION, "made_by": "scripts/wandb_surface.py"}
    args.out.write_text(json.dumps(surface, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    count = sum(len(v) for k, v in surface.items() if k != "_meta")
    print(f"wrote {args.out} ({count} names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
