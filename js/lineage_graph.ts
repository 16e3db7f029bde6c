// LineageGraph: anywidget front end for ipyartifacts.widgets.LineageGraph.
import type { AnyModel, RenderProps } from "@anywidget/types";
import { LineageView } from "./lib/lineage_view";
import type { Graph, MembersResponse } from "./lib/protocol";
import { Rpc } from "./lib/rpc";

interface LineageModel {
  graph: Graph;
  center: string;
  depth: number;
  height: number;
  error: string | null;
}

function render({ model, el }: RenderProps<LineageModel>): () => void {
  const rpc = new Rpc(model as AnyModel);
  const view = new LineageView({
    search: async (cluster, query) => {
      const [resp] = await rpc.request<MembersResponse>({ type: "members", cluster, query });
      return resp.type === "members" ? resp : null;
    },
    height: model.get("height"),
    onFocus: (id) => {
      model.set("center", id);
      model.save_changes();
    },
    onDepth: (depth) => {
      model.set("depth", depth);
      model.save_changes();
    },
  });
  el.appendChild(view.element);
  const update = () => view.update(model.get("graph"), model.get("depth"));
  const onError = () => view.setError(model.get("error"));
  // Wait a frame so the stage has a size before centring on the focused node.
  requestAnimationFrame(update);
  model.on("change:graph", update);
  model.on("change:depth", update);
  model.on("change:error", onError);
  return () => {
    model.off("change:graph", update);
    model.off("change:depth", update);
    model.off("change:error", onError);
    view.destroy();
    rpc.close();
  };
}

export default { render };
