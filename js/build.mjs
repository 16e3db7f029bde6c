// Bundles every widget entry (js/<widget>.ts) into src/ipyartifacts/static/<widget>.js (+ .css).
// `node build.mjs --tests` instead compiles js/test/*.test.ts to js/test-out/ for `node --test`.
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

if (process.argv.includes("--tests")) {
  await compileTests();
} else {
  await bundleWidgets();
}
