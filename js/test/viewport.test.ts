import assert from "node:assert/strict";
import { test } from "node:test";
import { Lru, pagesFor, visibleWindow } from "../lib/viewport";

test("small tables render at natural positions", () => {
  const win = visibleWindow(0, 260, 1000, 26, 4);
  assert.equal(win.first, 0);
  assert.equal(win.top, 0);
  assert.equal(win.height, 26_000);
  assert.ok(win.count >= 11);
  const later = visibleWindow(26 * 500, 260, 1000, 26, 4);
  assert.equal(later.first, 496);
  assert.equal(later.top, 496 * 26);
  assert.equal(later.firstVisible, 500);
  assert.equal(later.visibleCount, 10);
});

test("window is clipped to the table", () => {
  const win = visibleWindow(26 * 995, 260, 1000, 26, 4);
  assert.equal(win.first + win.count, 1000);
  assert.deepEqual(visibleWindow(0, 260, 0, 26), {
    first: 0,
    count: 0,
    top: 0,
    height: 0,
    firstVisible: 0,
    visibleCount: 0,
  });
  assert.equal(visibleWindow(0, 260, 3, 26).count, 3);
});

test("ten million rows: height capped, scrolling reaches both ends", () => {
  const total = 10_000_000;
  const top = visibleWindow(0, 300, total, 26);
  assert.equal(top.height, 8_000_000);
  assert.equal(top.first, 0);
  const bottom = visibleWindow(8_000_000 - 300, 300, total, 26);
  assert.equal(bottom.first + bottom.count, total);
  assert.ok(bottom.top + bottom.count * 26 <= bottom.height);
  const middle = visibleWindow((8_000_000 - 300) / 2, 300, total, 26);
  assert.ok(Math.abs(middle.first - total / 2) < 20, `middle.first=${middle.first}`);
});

test("pages covering a window", () => {
  assert.deepEqual(pagesFor(0, 20, 100), [0]);
  assert.deepEqual(pagesFor(95, 20, 100), [0, 1]);
  assert.deepEqual(pagesFor(100, 100, 100), [1]);
  assert.deepEqual(pagesFor(5, 0, 100), []);
});

test("LRU evicts the least recently used", () => {
  const lru = new Lru<number, string>(2);
  lru.set(1, "a");
  lru.set(2, "b");
  assert.equal(lru.get(1), "a");
  lru.set(3, "c");
  assert.equal(lru.has(2), false);
  assert.equal(lru.has(1), true);
  assert.equal(lru.size, 2);
});
