import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, ttlText } from "../artifact_view";
import type { ColumnInfo } from "../lib/protocol";
import { isoOf, metadataKeys, splitNames } from "../lib/version_list";

test("a TTL reads as a duration and when it runs out", () => {
  assert.equal(formatDuration(30 * 86400), "30 days");
  assert.equal(formatDuration(3600), "1 hour");
  assert.equal(formatDuration(90), "1 minute");
  const now = Date.parse("2026-03-04T12:00:00Z");
  assert.equal(ttlText(null, null, now), "none (kept until deleted)");
  assert.match(ttlText(30 * 86400, "2026-03-06T12:00:00+00:00", now), /^30 days \(expires in 2 d, 2026-03-0[67] /);
  assert.match(ttlText(86400, "2026-03-03T12:00:00+00:00", now), /^1 day \(expired 1 d ago, /);
});

test("version list helpers: chips, timestamps, metadata keys", () => {
  assert.deepEqual(splitNames("best, latest"), ["best", "latest"]);
  assert.deepEqual(splitNames(""), []);
  assert.deepEqual(splitNames(null), []);
  assert.equal(isoOf(Date.parse("2026-03-04T12:00:00Z")), "2026-03-04T12:00:00.000Z");
  assert.equal(isoOf(BigInt(Date.parse("2026-03-04T12:00:00Z"))), "2026-03-04T12:00:00.000Z");
  assert.equal(isoOf(null), null);
  const col = (name: string): ColumnInfo => ({ name, type: "string", kind: "string", format: null });
  assert.deepEqual(metadataKeys([col("version"), col("metadata.lr"), col("description"), col("metadata.opt.name")]), ["lr", "opt.name"]);
});
