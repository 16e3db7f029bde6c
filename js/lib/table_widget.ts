// Mounts a TableView on an anywidget model (shared by TablePreview and VersionTable).
import type { AnyModel, RenderProps } from "@anywidget/types";
import type { ColumnInfo } from "./protocol";
import { Rpc } from "./rpc";
import { TableView, type Fetch } from "./table_view";

export interface TableModel {
  columns: ColumnInfo[];
  num_rows: number;
  title: string;
  note: string | null;
  height: number;
  /** Set by selectable tables (VersionTable): the key column and the selected key. */
  key_column?: string | null;
  selected?: string | null;
  /** Rows of the first page as Arrow IPC (empty: ask the kernel). */
  first_page?: DataView | ArrayBuffer | Uint8Array | null;
}

export function renderTable({ model, el }: RenderProps<TableModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const fetch: Fetch = (req) => rpc.request(req);
  let view: TableView | null = null;
  let first = true;
  const mount = () => {
    view?.destroy();
    el.replaceChildren();
    const keyColumn = model.get("key_column") ?? undefined;
    view = new TableView({
      columns: model.get("columns"),
      numRows: model.get("num_rows"),
      title: model.get("title"),
      note: model.get("note"),
      height: model.get("height"),
      fetch,
      keyColumn,
      selected: model.get("selected") ?? null,
      // Only while it still describes the view (columns/rows may change after display).
      firstPage: first ? model.get("first_page") ?? null : null,
      onSelect: (key) => {
        model.set("selected", key);
        model.save_changes();
      },
    });
    el.appendChild(view.element);
    first = false;
  };
  const onSelected = () => view?.setSelected(model.get("selected") ?? null);
  mount();
  model.on("change:columns", mount);
  model.on("change:num_rows", mount);
  model.on("change:selected", onSelected);
  return () => {
    view?.destroy();
    rpc.close();
    model.off("change:columns", mount);
    model.off("change:num_rows", mount);
    model.off("change:selected", onSelected);
  };
}
