import assert from "node:assert/strict";
import { test } from "node:test";
import { fileColumns, rowsText, schemaChanges, statusOf, summaryText, type TableChange } from "../diff_view";

const table: TableChange = {
  path: "t.parquet",
  format: "parquet",
  key: "id",
  columns_added: ["w"],
  columns_removed: ["old"],
  type_changes: [{ name: "x", old_type: "int32", new_type: "int64" }],
  rows_old: 1000,
  rows_new: 1200,
  rows_added: 250,
  rows_removed: 50,
  rows_changed: 3,
  rows_unchanged: 947,
  changes_by_column: { x: 3 },
  note: null,
  error: null,
};

test("summary line counts every kind of change", () => {
  const counts = { added: 3, removed: 1, modified: 2, unchanged: 10_000, bytes_added: 0, bytes_removed: 0, metadata: 1, tables: 0 };
  assert.equal(summaryText(counts), "3 added · 1 removed · 2 modified · 10,000 unchanged · 1 metadata change");
  assert.equal(summaryText({ ...counts, metadata: 0 }), "3 added · 1 removed · 2 modified · 10,000 unchanged");
});

test("table rows and schema changes", () => {
  assert.equal(rowsText(table), "1,000 → 1,200 rows: +250 −50 ~3 =947");
  assert.equal(rowsText({ ...table, rows_changed: null }), "1,000 → 1,200 rows: +250 −50 =947");
  assert.equal(rowsText({ ...table, error: "bad file" }), "cannot compare: bad file");
  assert.deepEqual(schemaChanges(table), [
    ["added", "w"],
    ["removed", "old"],
    ["modified", "x: int32 → int64"],
  ]);
});

test("status cells map to their status, anything else to null", () => {
  assert.equal(statusOf("+ added"), "added");
  assert.equal(statusOf("- removed"), "removed");
  assert.equal(statusOf("~ modified"), "modified");
  assert.equal(statusOf("<img src=x>"), null);
  assert.equal(statusOf(null), null);
  assert.equal(statusOf(3), null);
});

test("a description change is in the summary line", () => {
  const counts = { added: 0, removed: 0, modified: 0, unchanged: 1, bytes_added: 0, bytes_removed: 0, metadata: 0, tables: 0 };
  assert.equal(summaryText({ ...counts, description: 1 }), "0 added · 0 removed · 0 modified · 1 unchanged · description changed");
  assert.equal(summaryText(counts), "0 added · 0 removed · 0 modified · 1 unchanged");
});

test("the path column takes the width the other columns leave", () => {
  const names = ["status", "path", "before", "after", "change"];
  assert.equal(fileColumns(1200, names), "64px 104px 742px 96px 96px 96px");
  // A narrow pane: the path keeps a usable minimum and the grid scrolls sideways.
  assert.equal(fileColumns(300, names), "64px 104px 280px 96px 96px 96px");
});
