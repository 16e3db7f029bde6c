// Message payloads between the widgets' front ends and Python.
// Mirror of src/ipyartifacts/widgets/_messages.py: change both together.

/** How a column behaves for sorting, filtering and display. */
export type ColumnKind = "number" | "string" | "bool" | "temporal" | "binary" | "other";

export interface ColumnInfo {
  name: string;
  /** Arrow type as pyarrow prints it, e.g. "int64", "timestamp[us, tz=UTC]" (the tooltip). */
  type: string;
  /** Header-sized type: "string (dict)", "list<int64>", "timestamp[ms, UTC]". */
  short_type?: string;
  kind: ColumnKind;
  /** Display hint: "bytes" shows integers as human-readable sizes. */
  format: "bytes" | null;
  /** False for types without an order (lists, structs, maps). */
  sortable?: boolean;
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
  /** FileBrowser only: which table preview the page is for. */
  table?: number;
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
  table?: number;
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


// -- FileBrowser ------------------------------------------------------------------------------

export type PreviewKind = "table" | "image" | "text" | "facts";

export interface TreeNode {
  name: string;
  path: string;
  dir: boolean;
  size: number;
  count: number;
  ref: string | null;
}

export interface ChildrenRequest {
  type: "children";
  id: number;
  path: string;
  offset: number;
  limit: number;
}

export interface ChildrenResponse {
  type: "children";
  id: number;
  path: string;
  offset: number;
  total: number;
  nodes: TreeNode[];
}

export interface PreviewRequest {
  type: "preview";
  id: number;
  path: string;
}

export interface PreviewResponse {
  type: "preview";
  id: number;
  path: string;
  kind: PreviewKind;
  size: number;
  digest: string;
  ref: string | null;
  mime: string | null;
  text: string | null;
  truncated: boolean;
  /** Handle to send with page/summary requests for a table preview. */
  table: number | null;
  columns: ColumnInfo[];
  num_rows: number;
  note: string | null;
  /** Relative URL the server extension streams the file from (if the extension answers). */
  href: string | null;
}

export interface DownloadRequest {
  type: "download";
  id: number;
  path: string;
}

export interface DownloadResponse {
  type: "download";
  id: number;
  path: string;
  size: number;
}

export type Request =
  | PageRequest
  | SummaryRequest
  | ChildrenRequest
  | PreviewRequest
  | DownloadRequest
  | MembersRequest;
export type Response =
  | PageResponse
  | SummaryResponse
  | ErrorResponse
  | ChildrenResponse
  | PreviewResponse
  | DownloadResponse
  | MembersResponse;

// -- LineageGraph (synced traits, not messages) -----------------------------------------------

/** "link": a registry link of a version (its only edge comes from its source version). */
export type NodeKind = "artifact" | "run" | "cluster" | "link";

export interface ClusterMember {
  id: string;
  label: string;
  sub: string;
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  label: string;
  sub: string;
  center: boolean;
  /** First members of a cluster; member_count says how many there are in all. */
  members: ClusterMember[];
  member_count: number;
  /** Facts for the details panel (null for clusters). */
  info?: NodeInfo | null;
}

/** Mirror of NodeInfo in widgets/lineage_graph.py. */
export interface NodeInfo {
  type: string | null;
  aliases: string[];
  tags: string[];
  /** ISO 8601 with an offset. */
  created_at: string | null;
  created_by: string | null;
  size: number | null;
  file_count: number | null;
  job_type: string | null;
  state: string | null;
  qualified_name: string | null;
  /** A link's source version, project/name:vN (null otherwise). */
  source?: string | null;
}

export interface MembersRequest {
  type: "members";
  id: number;
  cluster: string;
  query: string;
}

export interface MembersResponse {
  type: "members";
  id: number;
  cluster: string;
  total: number;
  members: ClusterMember[];
}

export interface GraphEdge {
  source: string;
  target: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}
