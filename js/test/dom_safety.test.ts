// Guard for the trust boundary: widget sources never build HTML or SVG from strings.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const FORBIDDEN = [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /createElementNS/, /DOMParser/, /new Function\(/, /\beval\(/];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "lib" ? sources(path) : [];
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

test("no widget source parses strings as markup", () => {
  const files = sources(process.cwd());
  assert.ok(files.some((f) => f.endsWith("table_view.ts")), "expected to scan js/lib");
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const pattern of FORBIDDEN) assert.doesNotMatch(text, pattern, `${file} uses ${pattern}`);
  }
});
