// Message payloads between the widgets' front ends and Python.
// Mirror of src/ipyartifacts/widgets/_messages.py: change both together.

/** How a column behaves for sorting, filtering and display. */
export type ColumnKind = "number" | "string" | "bool" | "temporal" | "binary" | "other";

export interface ColumnInfo {
  name: string;
  /** Arrow type as pyarrow prints it, e.g. "int64", "timestamp[us, tz=UTC]". */
  type: string;
  kind: ColumnKind;
}

export interface SortKey {
  column: string;
  descending: boolean;
}

export type FilterOp =
  | "contains"
  | "not_contains"
  | "starts_with"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "between"
  | "is_null"
  | "not_null";

/** One typed filter on one column; values travel as text and Python parses them per column type. */
export interface FilterClause {
  column: string;
  op: FilterOp;
  value: string | null;
  value2: string | null;
}

export interface PageRequest {
  type: "page";
  id: number;
  offset: number;
  limit: number;
  sort: SortKey[];
  filter: FilterClause[];
}

export interface PageResponse {
  type: "page";
  id: number;
  offset: number;
  /** Rows in the Arrow IPC stream in buffers[0]. */
  count: number;
  /** Rows in the current (filtered) view. */
  total: number;
  /** False when the view is capped (huge source sorted/filtered without loading it). */
  exact: boolean;
  note: string | null;
}

export interface SummaryRequest {
  type: "summary";
  id: number;
  column: string;
}

export interface SummaryResponse {
  type: "summary";
  id: number;
  column: string;
  null_count: number | null;
  min: string | null;
  max: string | null;
  distinct: number | null;
  /** True when the distinct count stopped at a cap (distinct is then a lower bound). */
  distinct_capped: boolean;
  note: string | null;
}

export interface ErrorResponse {
  type: "error";
  id: number;
  message: string;
}

export type Request = PageRequest | SummaryRequest;
export type Response = PageResponse | SummaryResponse | ErrorResponse;
