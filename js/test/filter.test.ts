import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFilter } from "../lib/filter";

const ok = (column: string, kind: Parameters<typeof parseFilter>[1], text: string) => {
  const result = parseFilter(column, kind, text);
  assert.ok(result.ok, `expected ${JSON.stringify(text)} to parse`);
  return result.clause;
};

test("empty text is no filter", () => {
  assert.equal(ok("x", "number", "   "), null);
});

test("numbers: comparisons, equality and ranges", () => {
  assert.deepEqual(ok("x", "number", ">5"), { column: "x", op: "gt", value: "5", value2: null });
  assert.deepEqual(ok("x", "number", ">= -2.5"), { column: "x", op: "ge", value: "-2.5", value2: null });
  assert.deepEqual(ok("x", "number", "!=1e3"), { column: "x", op: "ne", value: "1e3", value2: null });
  assert.deepEqual(ok("x", "number", "7"), { column: "x", op: "eq", value: "7", value2: null });
  assert.deepEqual(ok("x", "number", "1..10"), { column: "x", op: "between", value: "1", value2: "10" });
});

test("numbers: garbage is an error, not a silent text search", () => {
  const result = parseFilter("x", "number", ">abc");
  assert.equal(result.ok, false);
  assert.equal(parseFilter("x", "number", "1..").ok, false);
});

test("null and !null work for every kind", () => {
  for (const kind of ["number", "string", "bool", "temporal", "other"] as const) {
    assert.equal(ok("c", kind, "NULL")?.op, "is_null");
    assert.equal(ok("c", kind, "!null")?.op, "not_null");
  }
});

test("strings: contains by default, =, ! and ^ prefixes", () => {
  assert.deepEqual(ok("s", "string", "ab c"), { column: "s", op: "contains", value: "ab c", value2: null });
  assert.equal(ok("s", "string", "=exact")?.op, "eq");
  assert.equal(ok("s", "string", "=exact")?.value, "exact");
  assert.equal(ok("s", "string", "!no")?.op, "not_contains");
  assert.equal(ok("s", "string", "^pre")?.op, "starts_with");
});

test("hostile text is passed on verbatim as a value", () => {
  const text = "<img src=x onerror=alert(1)>";
  assert.equal(ok("s", "string", text)?.value, text);
});

test("temporal: partial dates are prefixes, full timestamps compare", () => {
  assert.deepEqual(ok("t", "temporal", "2024-03"), {
    column: "t",
    op: "starts_with",
    value: "2024-03",
    value2: null,
  });
  assert.equal(ok("t", "temporal", ">2024-01-01")?.op, "gt");
  assert.equal(ok("t", "temporal", "2024-01-01 10:00:00")?.op, "eq");
  assert.equal(ok("t", "temporal", "2024-01-01..2024-02-01")?.op, "between");
  assert.equal(parseFilter("t", "temporal", ">yesterday").ok, false);
});

test("bool accepts true/false/yes/no/1/0", () => {
  assert.equal(ok("b", "bool", "Yes")?.value, "true");
  assert.equal(ok("b", "bool", "0")?.value, "false");
  assert.equal(parseFilter("b", "bool", "maybe").ok, false);
});
