// TablePreview: anywidget front end for ipyartifacts.widgets.TablePreview.
import type { AnyModel, RenderProps } from "@anywidget/types";
import "./lib/base.css";
import "./table_preview.css";
import type { ColumnInfo } from "./lib/protocol";
import { Rpc } from "./lib/rpc";
import { TableView, type Fetch } from "./lib/table_view";

export interface TablePreviewModel {
  columns: ColumnInfo[];
  num_rows: number;
  title: string;
  note: string | null;
  height: number;
}

function render({ model, el }: RenderProps<TablePreviewModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const fetch: Fetch = (req) => rpc.request(req);
  let view: TableView | null = null;
  const mount = () => {
    view?.destroy();
    el.replaceChildren();
    view = new TableView({
      columns: model.get("columns"),
      numRows: model.get("num_rows"),
      title: model.get("title"),
      note: model.get("note"),
      height: model.get("height"),
      fetch,
    });
    el.appendChild(view.element);
  };
  mount();
  model.on("change:columns", mount);
  model.on("change:num_rows", mount);
  return () => {
    view?.destroy();
    rpc.close();
    model.off("change:columns", mount);
    model.off("change:num_rows", mount);
  };
}

export default { render };
