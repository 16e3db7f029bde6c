import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCell, formatTimestamp } from "../lib/format";
import { indexWidth } from "../lib/table_view";

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
