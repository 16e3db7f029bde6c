"""A registry and a linked version in a real JupyterLab: the RegistryView's rows (latest,
production, protected aliases, tags, description, links with their sources), a link's
source in the ArtifactView (opened in place) and link nodes in its lineage.

Saves light and dark screenshots to test-results/screenshots/.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DARK,
    LIGHT,
    Lab,
    run_notebook,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = pytest.mark.browser

TIMEOUT = 60_000  # ms: a loaded machine

# Three versions of a classifier; v0 and v2 linked into "classifier" (v2 as production),
# v2 also into "detector" as staging, which the registry protects. The registry is this
# test's own: the store is shared by the browser session.
_SEED = textwrap.dedent(
    """
    import pathlib
    import ipyartifacts
    with ipyartifacts.init(project="regb", job_type="train", name="trainer") as run:
        for i in range(3):
            path = pathlib.Path(f"regb-{i}.bin")
            path.write_text(f"weights {i}")
            art = ipyartifacts.Artifact("clf", type="model")
            art.add_file(str(path), name="weights.bin")
            run.log_artifact(art)
    api = ipyartifacts.Api()
    reg = api.create_registry("browsing", "organization", description="Models we ship")
    reg.protect_aliases("staging")
    api.artifact("regb/clf:v0").link("wandb-registry-browsing/classifier")
    api.artifact("regb/clf:v2").link("wandb-registry-browsing/classifier", aliases=["production"])
    api.artifact("regb/clf:v2").link("wandb-registry-browsing/detector", aliases=["staging"])
    coll = reg.collections({"name": "classifier"})[0]
    coll.tags = ["vision"]
    coll.description = "<img src=x onerror=window.__pwned=1> sign classifier"
    coll.save()
    """
)


def _shoot(page: Any, target: Any, name: str) -> None:
    screenshot(target, f"{name}_light")
    try:
        set_theme(page, DARK)
        screenshot(target, f"{name}_dark")
    finally:
        set_theme(page, LIGHT)


def test_registry_and_linked_version(page: Any, lab: Lab) -> None:
    cells = [
        _SEED,
        "%load_ext ipyartifacts",
        "%artifact registry show browsing",
        'ipyartifacts.Api().artifact("wandb-registry-browsing/classifier:production")',
    ]
    run_notebook(page, lab, write_notebook(lab, "registry_view.ipynb", cells))

    # -- the registry: one row per collection ---------------------------------------------------
    registry = page.locator(".ipa-registry")
    expect(registry.locator(".ipa-reg-row")).to_have_count(2, timeout=TIMEOUT)
    expect(registry.locator(".ipa-reg-name")).to_have_text("wandb-registry-browsing")
    expect(registry.locator(".ipa-reg-description")).to_have_text("Models we ship")
    expect(registry.locator(".ipa-chip-protected")).to_have_text(["staging"])
    expect(registry.locator("th")).to_have_text(
        ["collection", "type", "links", "latest", "production", "staging", "tags", "description"]
    )
    clf = registry.locator('.ipa-reg-row[data-collection="classifier"]')
    expect(clf.locator("td")).to_have_text(
        ["▸ classifier", "model", "2", "v1", "v1", "-", "#vision",
         "<img src=x onerror=window.__pwned=1> sign classifier"]
    )  # fmt: skip
    det = registry.locator('.ipa-reg-row[data-collection="detector"]')
    expect(det.locator('[data-alias="staging"]')).to_have_text("v0")
    expect(det.locator('[data-alias="production"]')).to_have_text("-")
    assert registry.locator("img").count() == 0  # a description is text, never markup
    assert page.evaluate("() => window.__pwned") is None

    # Open a row: its links, newest first, each with the version it points at.
    clf.locator(".ipa-reg-toggle").click()
    links = registry.locator('[data-links-of="classifier"] .ipa-reg-link')
    expect(links).to_have_count(2, timeout=TIMEOUT)
    expect(links.locator(".ipa-reg-link-version")).to_have_text(["classifier:v1", "classifier:v0"])
    expect(links.locator(".ipa-reg-source")).to_have_text(["regb/clf:v2", "regb/clf:v0"])
    expect(links.nth(0).locator(".ipa-chip-alias")).to_have_text(["latest", "production"])
    _shoot(page, registry, "registry_view")

    # -- a linked version: its source, opened in place ------------------------------------------
    view = page.locator(".ipa-artifact")
    expect(view.locator(".ipa-ov-name")).to_have_text(
        "wandb-registry-browsing/classifier:v1", timeout=TIMEOUT
    )
    source = view.locator(".ipa-ov-source")
    expect(source).to_contain_text("regb/clf:v2")
    _shoot(page, view, "registry_linked_version")
    source.locator(".ipa-open").click()
    expect(view.locator(".ipa-ov-name")).to_have_text("regb/clf:v2", timeout=TIMEOUT)
    rows = view.locator(".ipa-ov-link")
    expect(rows).to_have_count(2)
    expect(rows.locator(".ipa-ov-link-name")).to_have_text(["classifier:v1", "detector:v0"])
    expect(rows.nth(1).locator(".ipa-chip-alias")).to_have_text(["latest", "staging"])
    _shoot(page, view, "registry_source_version")

    # -- its lineage: the links hang off the source version -------------------------------------
    view.locator('.ipa-tab[data-tab="lineage"]').click()
    link_nodes = view.locator('.ipa-gnode[data-kind="link"]')
    expect(link_nodes).to_have_count(2, timeout=TIMEOUT)
    expect(link_nodes.locator(".ipa-gnode-label")).to_have_text(
        ["classifier:v1", "detector:v0"], timeout=TIMEOUT
    )
    _shoot(page, view.locator(".ipa-lineage"), "registry_lineage")
