// Typed text filters: what a user types in a column's filter box, parsed per column kind.
//
//   number / temporal:  5   =5   !=5   >5   >=5   <5   <=5   1..10   (temporal also: 2024-01)
//   string / other:     text (contains, case-insensitive)   =text   !text   ^prefix
//   bool:               true / false (also yes/no, 1/0)
//   any kind:           null   !null
import type { ColumnKind, FilterClause, FilterOp } from "./protocol";

export type ParseResult = { ok: true; clause: FilterClause | null } | { ok: false; error: string };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TEMPORAL = /^\d{4}(-\d{2}(-\d{2}([ T]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const COMPARISON: [string, FilterOp][] = [
  [">=", "ge"],
  ["<=", "le"],
  ["!=", "ne"],
  [">", "gt"],
  ["<", "lt"],
  ["=", "eq"],
];

function clause(column: string, op: FilterOp, value: string | null = null, value2: string | null = null): FilterClause {
  return { column, op, value, value2 };
}

function ordered(column: string, text: string, valid: RegExp, what: string): ParseResult {
  const range = text.split("..");
  if (range.length === 2) {
    const [lo, hi] = range.map((part) => part.trim());
    if (!valid.test(lo) || !valid.test(hi)) return { ok: false, error: `expected ${what}..${what}` };
    return { ok: true, clause: clause(column, "between", lo, hi) };
  }
  for (const [prefix, op] of COMPARISON) {
    if (text.startsWith(prefix)) {
      const value = text.slice(prefix.length).trim();
      if (!valid.test(value)) return { ok: false, error: `expected ${what} after ${prefix}` };
      return { ok: true, clause: clause(column, op, value) };
    }
  }
  if (!valid.test(text)) return { ok: false, error: `expected ${what}, >x, <=x, !=x or a..b` };
  return { ok: true, clause: clause(column, "eq", text) };
}

/** Parse the text typed into a column's filter box; an empty box is no filter. */
export function parseFilter(column: string, kind: ColumnKind, raw: string): ParseResult {
  const text = raw.trim();
  if (text === "") return { ok: true, clause: null };
  const lower = text.toLowerCase();
  if (lower === "null") return { ok: true, clause: clause(column, "is_null") };
  if (lower === "!null") return { ok: true, clause: clause(column, "not_null") };
  switch (kind) {
    case "number":
      return ordered(column, text, NUMBER, "a number");
    case "temporal": {
      const result = ordered(column, text, TEMPORAL, "a date (YYYY-MM-DD[ HH:MM:SS])");
      // A bare partial date ("2024-03") means "starts with", which is what people mean by it.
      if (result.ok && result.clause?.op === "eq" && text.length < 19) {
        return { ok: true, clause: clause(column, "starts_with", text) };
      }
      return result;
    }
    case "bool": {
      if (["true", "yes", "1"].includes(lower)) return { ok: true, clause: clause(column, "eq", "true") };
      if (["false", "no", "0"].includes(lower)) return { ok: true, clause: clause(column, "eq", "false") };
      return { ok: false, error: "expected true or false" };
    }
    default: {
      if (text.startsWith("=")) return { ok: true, clause: clause(column, "eq", text.slice(1)) };
      if (text.startsWith("!")) return { ok: true, clause: clause(column, "not_contains", text.slice(1)) };
      if (text.startsWith("^")) return { ok: true, clause: clause(column, "starts_with", text.slice(1)) };
      return { ok: true, clause: clause(column, "contains", text) };
    }
  }
}

/** One line of help for a column's filter box. */
export function filterHint(kind: ColumnKind): string {
  switch (kind) {
    case "number":
      return "5, >5, <=5, !=5, 1..10, null, !null";
    case "temporal":
      return "2024-03, >2024-01-01, 2024-01-01..2024-02-01, null";
    case "bool":
      return "true, false, null";
    default:
      return "text (contains), =exact, !not, ^prefix, null";
  }
}
