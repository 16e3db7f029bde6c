import assert from "node:assert/strict";
import { test } from "node:test";
import { int64, tableFromArrays, tableToIPC, utf8 } from "@uwdata/flechette";
import { decodePage } from "../lib/arrow";
import { Rpc } from "../lib/rpc";

test("decodePage keeps nulls, int64 exactness and text", () => {
  const table = tableFromArrays(
    { id: [1n, null, 2n ** 62n], name: ["a", "<b>", null] },
    { types: { id: int64(), name: utf8() } },
  );
  const bytes = tableToIPC(table, { format: "stream" })!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const page = decodePage(view);
  assert.deepEqual(page.names, ["id", "name"]);
  assert.deepEqual(page.rows, [
    [1n, "a"],
    [null, "<b>"],
    [2n ** 62n, null],
  ]);
});

type Handler = (msg: unknown, buffers: DataView[]) => void;

function fakeModel() {
  const handlers = new Set<Handler>();
  const sent: unknown[] = [];
  return {
    sent,
    handlers,
    on: (_name: string, h: Handler) => void handlers.add(h),
    off: (_name: string, h: Handler) => void handlers.delete(h),
    send: (msg: unknown) => void sent.push(msg),
    emit: (msg: unknown, buffers: DataView[] = []) => handlers.forEach((h) => h(msg, buffers)),
  };
}

test("rpc matches responses by id, ignores others, rejects on close", async () => {
  const model = fakeModel();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const rpc = new Rpc(model as any);
  const first = rpc.request({ type: "summary", column: "a" });
  const second = rpc.request({ type: "summary", column: "b" });
  const [m1, m2] = model.sent as { id: number; column: string }[];
  assert.notEqual(m1.id, m2.id);
  assert.equal(m2.column, "b");
  model.emit({ type: "summary", id: m1.id + 1000 }); // someone else's answer
  const buffer = new DataView(new ArrayBuffer(4));
  model.emit({ type: "summary", id: m2.id, column: "b" }, [buffer]);
  const [resp2, buffers2] = await second;
  assert.equal((resp2 as { column: string }).column, "b");
  assert.equal(buffers2[0], buffer);
  rpc.close();
  await assert.rejects(first, /view closed/);
  assert.equal(model.handlers.size, 0);
});
