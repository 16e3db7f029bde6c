import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCell, formatTimestamp } from "../lib/format";
import { fitColumnWidth, indexWidth, MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH } from "../lib/table_view";
import type { ColumnInfo } from "../lib/protocol";

test("the row-number column is sized to the digits of the last row number", () => {
  assert.equal(indexWidth(10), "calc(2ch + 20px)");
  assert.equal(indexWidth(1_000_000), "calc(6ch + 20px)");
  assert.equal(indexWidth(1_000_001), "calc(7ch + 20px)");
  assert.equal(indexWidth(10_000_000), "calc(7ch + 20px)");
  assert.equal(indexWidth(0), "calc(2ch + 20px)");
});

test("timestamps lose a trailing .000 but keep real fractions", () => {
  assert.equal(formatTimestamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), "2024-01-02T03:04:05Z");
  assert.equal(formatCell(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 250))), "2024-01-02T03:04:05.250Z");
  assert.equal(formatTimestamp(new Date(Number.NaN)), "Invalid Date");
});

test("columns are sized to their header and first-page values, within a min and a max", () => {
  // 7 px a character in every font: widths follow the longest text.
  const measure = (text: string) => text.length * 7;
  const fonts = { name: "bold", type: "mono", cell: "body" };
  const col = (name: string, kind: ColumnInfo["kind"] = "string"): ColumnInfo => ({
    name,
    type: kind === "number" ? "int64" : "string",
    short_type: kind === "number" ? "int64" : "string",
    kind,
    format: null,
  });
  const n = fitColumnWidth(col("n", "number"), ["1", "22", "333"], measure, fonts);
  assert.equal(n, MIN_COLUMN_WIDTH); // "int64" and "333" are narrower than the minimum
  const city = fitColumnWidth(col("city"), ["Oslo", "Rio de Janeiro"], measure, fonts);
  assert.equal(city, 14 * 7 + 14); // the longest value, plus padding and border
  const header = fitColumnWidth(col("a_rather_long_header"), ["x"], measure, fonts);
  assert.equal(header, 20 * 7 + 16 + 14); // the name, its sort mark, padding and border
  const essay = fitColumnWidth(col("essay"), ["word ".repeat(400)], measure, fonts);
  assert.equal(essay, MAX_COLUMN_WIDTH);
  assert.ok(n < city && city < essay);
  // No values (an empty table): the header alone.
  assert.equal(fitColumnWidth(col("city"), [], measure, fonts), MIN_COLUMN_WIDTH);
});
