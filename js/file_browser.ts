// FileBrowser: anywidget front end for ipyartifacts.widgets.FileBrowser.
import type { AnyModel, RenderProps } from "@anywidget/types";
import { FileBrowserView, type AnyFetch } from "./lib/file_browser_view";
import { Rpc } from "./lib/rpc";

interface FileBrowserModel {
  title: string;
  file_count: number;
  total_size: number;
  height: number;
  selected: string | null;
}

function render({ model, el }: RenderProps<FileBrowserModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const view = new FileBrowserView({
    fetch: ((req) => rpc.request(req)) as AnyFetch,
    title: model.get("title"),
    fileCount: model.get("file_count"),
    totalSize: model.get("total_size"),
    height: model.get("height"),
    selected: model.get("selected"),
    onSelect: (path) => {
      model.set("selected", path);
      model.save_changes();
    },
  });
  el.appendChild(view.element);
  const onSelected = () => view.setSelected(model.get("selected"));
  model.on("change:selected", onSelected);
  return () => {
    model.off("change:selected", onSelected);
    view.destroy();
    rpc.close();
  };
}

export default { render };
