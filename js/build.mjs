// Bundles every widget entry (js/<widget>.ts) into src/ipyartifacts/static/<widget>.js (+ .css).
// `node build.mjs --tests` instead compiles js/test/*.test.ts to js/test-out/ for `node --test`.
// `node build.mjs --pages` bundles the browser tests' own pages (js/pages/*.ts, e.g. the
// @jupyter-widgets/html-manager page) into js/pages-out/; they are not part of the package.
import { build } from "esbuild";
import { readdirSync, mkdirSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "src", "ipyartifacts", "static");

async function bundleWidgets() {
  const entries = readdirSync(here).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: entries.map((f) => join(here, f)),
    outdir,
    bundle: true,
    format: "esm",
    target: "es2020",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    const kib = (info.bytes / 1024).toFixed(1);
    console.log(`${basename(file).padEnd(24)} ${kib.padStart(7)} KiB`);
  }
}

async function compileTests() {
  const testdir = join(here, "test");
  const entries = readdirSync(testdir).filter((f) => f.endsWith(".test.ts"));
  await build({
    entryPoints: entries.map((f) => join(testdir, f)),
    outdir: join(here, "test-out"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    external: ["node:*"],
    logLevel: "warning",
  });
}

async function bundlePages() {
  const pagedir = join(here, "pages");
  const entries = readdirSync(pagedir).filter((f) => f.endsWith(".ts"));
  await build({
    entryPoints: entries.map((f) => join(pagedir, f)),
    outdir: join(here, "pages-out"),
    bundle: true,
    // A classic script: the page runs it after the widget state and views are in the DOM.
    format: "iife",
    target: "es2020",
    minify: true,
    legalComments: "none",
    // ipywidgets' packages are written for webpack: `process.env`, `global`, font files.
    define: { "process.env.NODE_ENV": '"production"', global: "window" },
    loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
    logLevel: "warning",
  });
}

if (process.argv.includes("--pages")) {
  await bundlePages();
} else if (process.argv.includes("--tests")) {
  await compileTests();
} else {
  await bundleWidgets();
}
