import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatCell, formatCount, formatLocalTime, formatRelative } from "../lib/format";
import { nextSort, summaryText } from "../lib/table_view";

test("bytes and counts", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1234), "1.2 kB");
  assert.equal(formatBytes(25_000_000), "25 MB");
  assert.equal(formatBytes(null), "");
  assert.equal(formatCount(10_000_000), "10,000,000");
  assert.equal(formatCount(12n), "12");
});

test("cells", () => {
  assert.equal(formatCell(null), "");
  assert.equal(formatCell(2n ** 63n - 1n), "9223372036854775807");
  assert.equal(formatCell(0.1 + 0.2), "0.3");
  assert.equal(formatCell(1e20), "1.000000e+20");
  assert.equal(formatCell(true), "true");
  assert.equal(formatCell("</script>"), "</script>");
  assert.equal(formatCell(new Uint8Array(3)), "<3 bytes>");
});

test("sort cycles none -> asc -> desc -> none", () => {
  const asc = nextSort([], "a");
  assert.deepEqual(asc, [{ column: "a", descending: false }]);
  const desc = nextSort(asc, "a");
  assert.deepEqual(desc, [{ column: "a", descending: true }]);
  assert.deepEqual(nextSort(desc, "a"), []);
  assert.deepEqual(nextSort(desc, "b"), [{ column: "b", descending: false }]);
});

test("summary text", () => {
  const base = { type: "summary", id: 1, column: "x", note: null } as const;
  assert.equal(
    summaryText({ ...base, null_count: 3, min: "1", max: "9", distinct: null, distinct_capped: false }),
    "3 null · 1 – 9",
  );
  assert.equal(
    summaryText({ ...base, null_count: 0, min: null, max: null, distinct: 10000, distinct_capped: true }),
    "0 null · ≥10,000 distinct",
  );
});

// The same table is in tests/frontends/test_render.py for render.format_size: text output and
// widgets print sizes alike.
export const SIZE_CASES: [number, string][] = [
  [0, "0 B"],
  [999, "999 B"],
  [1000, "1.0 kB"],
  [1250, "1.3 kB"],
  [1536, "1.5 kB"],
  [9_949, "9.9 kB"],
  [9_960, "10 kB"],
  [999_499, "999 kB"],
  [999_999, "1.0 MB"],
  [25_000_000, "25 MB"],
  [5 * 1024 ** 3, "5.4 GB"],
  [-2_500_000, "-2.5 MB"],
  [3e18, "3000 PB"],
];

test("sizes: decimal units, one convention with the Python text output", () => {
  for (const [bytes, text] of SIZE_CASES) assert.equal(formatBytes(bytes), text, String(bytes));
});

test("relative times and local time", () => {
  const now = Date.parse("2026-03-04T12:00:00Z");
  assert.equal(formatRelative("2026-03-04T11:59:55Z", now), "just now");
  assert.equal(formatRelative("2026-03-04T11:59:00Z", now), "1 min ago");
  assert.equal(formatRelative("2026-03-04T09:00:00+00:00", now), "3 h ago");
  assert.equal(formatRelative("2026-03-01T12:00:00Z", now), "3 d ago");
  assert.equal(formatRelative("2025-01-04T12:00:00Z", now), "1 y ago");
  assert.equal(formatRelative("2026-03-04T14:00:00Z", now), "in 2 h");
  assert.equal(formatRelative("not a time", now), "");
  assert.equal(formatRelative(null, now), "");
  const local = formatLocalTime("2026-03-04T12:00:00Z");
  assert.match(local, /^2026-03-0[45] \d\d:00:00/);
  assert.equal(formatLocalTime("garbage"), "garbage");
});
