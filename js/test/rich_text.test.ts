import assert from "node:assert/strict";
import { test } from "node:test";
import { splitWidth } from "../lib/file_browser_view";
import { jsonTokens, safeHref, textFormat, yamlTokens } from "../lib/rich_text";

test("a file's text format comes from its name or MIME type", () => {
  assert.equal(textFormat("README.md", "text/markdown"), "markdown");
  assert.equal(textFormat("notes/CHANGES.markdown", null), "markdown");
  assert.equal(textFormat("config.JSON", "text/plain"), "json");
  assert.equal(textFormat("params.yml", "text/plain"), "yaml");
  assert.equal(textFormat("train.log", "text/plain"), "plain");
});

test("JSON tokens tell keys from values and keep every character", () => {
  const line = '  "lr": 0.001, "name": "adam", "ok": true, "x": null}';
  const tokens = jsonTokens(line);
  assert.equal(tokens.map(([, t]) => t).join(""), line);
  assert.deepEqual(tokens.filter(([k]) => k === "key").map(([, t]) => t), ['"lr"', '"name"', '"ok"', '"x"']);
  assert.deepEqual(tokens.find(([, t]) => t === '"adam"'), ["string", '"adam"']);
  assert.deepEqual(tokens.find(([, t]) => t === "0.001"), ["number", "0.001"]);
  assert.deepEqual(tokens.find(([, t]) => t === "true"), ["literal", "true"]);
});

test("YAML tokens: keys, scalars, list dashes, comments", () => {
  const line = "  learning_rate: 0.01  # tuned";
  const tokens = yamlTokens(line);
  assert.equal(tokens.map(([, t]) => t).join(""), line);
  assert.deepEqual(tokens.find(([k]) => k === "key"), ["key", "learning_rate"]);
  assert.deepEqual(tokens.find(([k]) => k === "number"), ["number", "0.01"]);
  assert.deepEqual(tokens.find(([k]) => k === "comment"), ["comment", "# tuned"]);
  const item = yamlTokens("- 'a # not a comment'");
  assert.deepEqual(item, [["punct", "- "], ["string", "'a # not a comment'"]]);
  assert.deepEqual(yamlTokens("enabled: yes").at(-1), ["literal", "yes"]);
});

test("links keep only absolute http(s) targets", () => {
  assert.equal(safeHref("https://example.org/a?b=1"), "https://example.org/a?b=1");
  assert.equal(safeHref("http://x.test"), "http://x.test/");
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref(" JavaScript:alert(1)"), null);
  assert.equal(safeHref("data:text/html,<b>x</b>"), null);
  assert.equal(safeHref("../relative.md"), null);
});

test("the split between tree and preview stays within bounds", () => {
  assert.equal(splitWidth(300, 100, 1000), 400);
  assert.equal(splitWidth(300, -1000, 1000), 140);
  assert.equal(splitWidth(300, 1000, 1000), 860);
});
