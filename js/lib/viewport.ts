// Virtual scrolling arithmetic, kept pure so it can be unit-tested without a DOM.

/** Browsers cap element heights (~33M px in Chromium); stay well below and scale instead. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface Window {
  /** First row index to render. */
  first: number;
  /** Number of rows to render (visible rows plus overscan, clipped to the total). */
  count: number;
  /** Pixel offset (from the top of the scroll body) at which the first rendered row sits. */
  top: number;
  /** Height of the scroll body in pixels. */
  height: number;
  /** First row actually in view (without overscan). */
  firstVisible: number;
  /** Rows actually in view (without overscan). */
  visibleCount: number;
}

/**
 * Which rows to render for a scroll position.
 *
 * With total * rowHeight <= maxHeight, rows sit at their natural positions. Beyond that the
 * body is capped at maxHeight and the scroll fraction maps linearly onto the rows, so 10
 * million rows stay scrollable end to end.
 */
export function visibleWindow(
  scrollTop: number,
  viewHeight: number,
  total: number,
  rowHeight: number,
  overscan = 4,
  maxHeight = MAX_SCROLL_HEIGHT,
): Window {
  const natural = total * rowHeight;
  const height = Math.min(natural, maxHeight);
  const visible = Math.ceil(viewHeight / rowHeight) + 1;
  if (total === 0) return { first: 0, count: 0, top: 0, height: 0, firstVisible: 0, visibleCount: 0 };
  const inView = Math.max(1, Math.floor(viewHeight / rowHeight));
  if (natural <= maxHeight) {
    const firstVisible = Math.max(0, Math.min(total - 1, Math.floor(scrollTop / rowHeight)));
    const first = Math.max(0, firstVisible - overscan);
    const count = Math.min(total - first, visible + 2 * overscan);
    const visibleCount = Math.min(total - firstVisible, inView);
    return { first, count, top: first * rowHeight, height, firstVisible, visibleCount };
  }
  const scrollable = Math.max(1, height - viewHeight);
  const fraction = Math.max(0, Math.min(1, scrollTop / scrollable));
  const first = Math.round(fraction * Math.max(0, total - visible + 1));
  const count = Math.min(total - first, visible);
  const top = Math.max(0, Math.min(height - count * rowHeight, scrollTop));
  return { first, count, top, height, firstVisible: first, visibleCount: Math.min(count, inView) };
}

/** Indices of the fixed-size pages that cover rows [first, first + count). */
export function pagesFor(first: number, count: number, pageSize: number): number[] {
  if (count <= 0) return [];
  const start = Math.floor(first / pageSize);
  const end = Math.floor((first + count - 1) / pageSize);
  const pages: number[] = [];
  for (let page = start; page <= end; page++) pages.push(page);
  return pages;
}

/** A small least-recently-used map (pages of rows for the current view). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
