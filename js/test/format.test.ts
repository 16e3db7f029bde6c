import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatCell, formatCount } from "../lib/format";
import { nextSort, summaryText } from "../lib/table_view";

test("bytes and counts", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1234), "1.2 KB");
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
