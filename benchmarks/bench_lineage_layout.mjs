// Lineage layout time: the LineageGraph front end's placeGraph (js/lib/layout.ts, dagre) on
// generated run/artifact DAGs of 100, 500 and 1000 nodes.
//
//   node benchmarks/bench_lineage_layout.mjs [--sizes 100,500,1000] [--pipeline-sizes 100,500]
//                                            [--repeats 5]
//
// Two graph shapes: "neighbourhood" is what the widget can be sent (centre +/- 6 hops, at most
// 8 neighbours a side before clustering); "pipeline" is a whole project's chain of runs laid
// out at once (hundreds of ranks, long edges), a stress case beyond what the widget sends.
//
// layout.ts is compiled with the esbuild the widgets are built with (js/node_modules), as
// js/build.mjs compiles the JS tests (bundle, platform node, esm), into a temporary directory,
// then imported and called exactly as the widget calls it. Prints one JSON object.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const js = join(here, "..", "js");

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const sizes = option("--sizes", "100,500,1000").split(",").map(Number);
const pipelineSizes = option("--pipeline-sizes", "100,500").split(",").filter(Boolean).map(Number);
const repeats = Number(option("--repeats", "5"));

async function loadLayout() {
  const { build } = createRequire(join(js, "package.json"))("esbuild");
  const out = mkdtempSync(join(tmpdir(), "bench-layout-"));
  try {
    await build({
      entryPoints: [join(js, "lib", "layout.ts")],
      outfile: join(out, "layout.mjs"),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: true,
      logLevel: "warning",
    });
    return await import(pathToFileURL(join(out, "layout.mjs")).href);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// Deterministic PRNG (mulberry32) so every run lays out the same graphs.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const node = (id, kind, label, sub, center = false) => ({
  id,
  kind,
  label,
  sub,
  center,
  members: [],
  member_count: 0,
});

/**
 * What LineageGraph draws: the neighbourhood of one artifact version, `size` nodes within
 * MAX_DEPTH = 6 hops up- and downstream (13 ranks, runs and versions alternating), where no
 * node has more than `clusterAt` = 8 neighbours on a side (the widget turns more into a
 * cluster node). Ranks widen away from the centre; each version has one producing run, each
 * run uses 1-3 versions, and 5% more edges skip two ranks (a run also using an older
 * version; these may take a node one past clusterAt).
 */
export function neighbourhoodGraph(size, seed = 1, clusterAt = 8) {
  const rand = random(seed);
  const weights = [1, 2, 4, 6, 8, 9];
  const total = weights.reduce((a, b) => a + b, 0);
  const ranks = new Map([[0, [node("artifact:center", "artifact", "dataset:v0", "center", true)]]]);
  let left = size - 1;
  for (const side of [-1, 1]) {
    const share = side < 0 ? Math.ceil(left / 2) : left;
    let placed = 0;
    for (let d = 1; d <= 6; d++) {
      const even = Math.max(1, Math.round((share * weights[d - 1]) / total));
      // The centre's neighbours on a side beyond clusterAt would be one cluster node.
      const count = d === 6 ? share - placed : d === 1 ? Math.min(clusterAt, even) : even;
      placed += count;
      const rank = side * d;
      const kind = rank % 2 === 0 ? "artifact" : "run";
      const list = [];
      for (let i = 0; i < count; i++) {
        const id = `${kind}:${rank}-${i}`;
        list.push(node(id, kind, kind === "run" ? `job-${rank}-${i}` : `data-${rank}-${i}:v${i % 7}`, kind));
      }
      ranks.set(rank, list);
    }
    left -= share;
  }
  const nodes = [...ranks.keys()].sort((a, b) => a - b).flatMap((r) => ranks.get(r));
  const edges = [];
  const seen = new Set();
  const out = new Map();
  const inn = new Map();
  const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  const link = (s, t) => {
    const key = `${s}>${t}`;
    if (seen.has(key)) return false;
    seen.add(key);
    edges.push({ source: s, target: t });
    bump(out, s);
    bump(inn, t);
    return true;
  };
  const pick = (list, full) => {
    const open = list.filter((n) => !full(n.id));
    return (open.length ? open : list)[Math.floor(rand() * (open.length || list.length))];
  };
  for (let r = -6; r < 6; r++) {
    const sources = ranks.get(r);
    const targets = ranks.get(r + 1);
    const upstream = r + 1 <= 0; // the targets are the side nearer the centre
    // Every node on the far side reaches the near side (that is how it was found).
    const far = upstream ? sources : targets;
    for (const n of far) {
      const wanted = n.kind === "run" && !upstream ? 1 + Math.floor(rand() * 3) : 1;
      for (let k = 0; k < wanted; k++) {
        if (upstream) link(n.id, pick(targets, (id) => (inn.get(id) ?? 0) >= clusterAt).id);
        else link(pick(sources, (id) => (out.get(id) ?? 0) >= clusterAt).id, n.id);
      }
    }
    // Near-side nodes the far side did not reach still connect outwards.
    for (const n of upstream ? targets : sources) {
      const has = upstream ? inn.get(n.id) : out.get(n.id);
      if (!has) {
        if (upstream) link(pick(sources, (id) => (out.get(id) ?? 0) >= clusterAt).id, n.id);
        else link(n.id, pick(targets, (id) => (inn.get(id) ?? 0) >= clusterAt).id);
      }
    }
  }
  // A few longer edges: a run that also uses a version from two ranks further back.
  const count = Math.round(edges.length * 0.05);
  for (let i = 0; i < count; i++) {
    const r = [-6, -4, -2, 2][Math.floor(rand() * 4)]; // artifact ranks (not the centre)
    const s = ranks.get(r)[Math.floor(rand() * ranks.get(r).length)];
    const t = ranks.get(r + 3)[Math.floor(rand() * ranks.get(r + 3).length)];
    link(s.id, t.id);
  }
  return { nodes, edges, truncated: true };
}

/**
 * A pipeline-shaped lineage graph with `size` nodes, half runs and half artifact versions.
 *
 * Run i logs artifact version i (each version has exactly one producer). The first runs are
 * ingest jobs with no inputs; later runs use 1-3 versions: mostly recent ones (a pipeline
 * moving forward), sometimes one of the first five (shared base datasets, so those fan out
 * to many consumers). An odd size gives the last run a second output.
 */
export function pipelineGraph(size, seed = 1) {
  const rand = random(seed);
  const runs = Math.floor(size / 2);
  const nodes = [];
  const edges = [];
  const versions = [];
  for (let i = 0; i < runs; i++) {
    const run = `run:r${i}`;
    nodes.push(node(run, "run", `train-${i}`, `job · r${i}`));
    if (i >= 3) {
      const inputs = new Set();
      const count = 1 + Math.floor(rand() * 3);
      while (inputs.size < Math.min(count, versions.length)) {
        const pick =
          rand() < 0.25
            ? Math.floor(rand() * Math.min(5, versions.length))
            : versions.length - 1 - Math.floor(rand() * Math.min(12, versions.length));
        inputs.add(versions[pick]);
      }
      for (const input of inputs) edges.push({ source: input, target: run });
    }
    const version = `artifact:a${i}`;
    nodes.push(node(version, "artifact", `data-${i}:v0`, "dataset"));
    edges.push({ source: run, target: version });
    versions.push(version);
  }
  if (nodes.length < size) {
    nodes.push(node("artifact:extra", "artifact", "extra:v0", "dataset"));
    edges.push({ source: `run:r${runs - 1}`, target: "artifact:extra" });
  }
  nodes[nodes.length - 1].center = true;
  return { nodes, edges, truncated: false };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const { placeGraph } = await loadLayout();

function measure(shape, graph) {
  let start = performance.now();
  const placement = placeGraph(graph);
  const first = performance.now() - start;
  if (placement.nodes.length !== graph.nodes.length) throw new Error("layout lost nodes");
  const times = [];
  for (let r = 0; r < repeats; r++) {
    start = performance.now();
    placeGraph(graph);
    times.push(performance.now() - start);
  }
  const degree = new Map();
  for (const e of graph.edges) {
    degree.set(`${e.source}>`, (degree.get(`${e.source}>`) ?? 0) + 1);
    degree.set(`>${e.target}`, (degree.get(`>${e.target}`) ?? 0) + 1);
  }
  const ranks = new Set(placement.nodes.map((p) => Math.round(p.x)));
  return {
    shape,
    nodes: graph.nodes.length,
    runs: graph.nodes.filter((n) => n.kind === "run").length,
    edges: graph.edges.length,
    ranks: ranks.size,
    max_neighbours_one_side: Math.max(...degree.values()),
    first_ms: Number(first.toFixed(1)),
    median_ms: Number(median(times).toFixed(1)),
    min_ms: Number(Math.min(...times).toFixed(1)),
    max_ms: Number(Math.max(...times).toFixed(1)),
    repeats,
    plane_px: [Math.round(placement.width), Math.round(placement.height)],
  };
}

const results = [];
for (const size of sizes) results.push(measure("neighbourhood", neighbourhoodGraph(size)));
for (const size of pipelineSizes) results.push(measure("pipeline", pipelineGraph(size)));
console.log(JSON.stringify({ node: process.version, layouts: results }));
