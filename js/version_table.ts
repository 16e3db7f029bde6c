// VersionTable: anywidget front end for ipyartifacts.widgets.VersionTable: the versions of a
// collection as a version list (chips, sizes, relative times, a metadata column picker);
// selection syncs to `selected`, the picked metadata keys to `metadata_columns`.
import type { AnyModel, RenderProps } from "@anywidget/types";
import type { ColumnInfo } from "./lib/protocol";
import { Rpc } from "./lib/rpc";
import { VersionListView, type PageFetch } from "./lib/version_list";

interface VersionModel {
  columns: ColumnInfo[];
  num_rows: number;
  title: string;
  height: number;
  selected: string | null;
  metadata_columns: string[] | null;
  first_page: DataView | null;
}

function render({ model, el }: RenderProps<VersionModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const fetch = ((req) => rpc.request(req)) as PageFetch;
  let view: VersionListView | null = null;
  const mount = () => {
    view?.destroy();
    view = new VersionListView({
      columns: model.get("columns"),
      numRows: model.get("num_rows"),
      title: model.get("title"),
      height: model.get("height"),
      fetch,
      firstPage: model.get("first_page"),
      selected: model.get("selected") ?? null,
      onSelect: (version) => {
        model.set("selected", version);
        model.save_changes();
      },
      metadataShown: model.get("metadata_columns"),
      onMetadataShown: (keys) => {
        model.set("metadata_columns", keys);
        model.save_changes();
      },
    });
    el.replaceChildren(view.element);
  };
  const onSelected = () => view?.setSelected(model.get("selected") ?? null);
  const onShown = () => {
    const keys = model.get("metadata_columns");
    if (keys && view && keys.join("\n") !== view.metadataShown.join("\n")) view.setMetadataShown(keys);
  };
  mount();
  model.on("change:columns", mount);
  model.on("change:num_rows", mount);
  model.on("change:selected", onSelected);
  model.on("change:metadata_columns", onShown);
  return () => {
    view?.destroy();
    rpc.close();
    model.off("change:columns", mount);
    model.off("change:num_rows", mount);
    model.off("change:selected", onSelected);
    model.off("change:metadata_columns", onShown);
  };
}

export default { render };
