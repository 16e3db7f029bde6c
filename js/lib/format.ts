// Turning decoded Arrow values into display text (always text: the DOM gets it via textContent).

// One size convention across widgets and text output: decimal SI units (powers of 1000, like
// `ls -h --si` and W&B), 1 decimal below 10, none above. frontends/render.py `format_size`
// mirrors this function exactly (same rounding: halves away from zero): change both together.
const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** Human-readable byte size in decimal units: 1234 -> "1.2 kB", 25e6 -> "25 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "";
  if (Math.abs(bytes) < 1000) return `${bytes} B`;
  let value = Math.abs(bytes);
  let unit = 0;
  let text = "";
  while (unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
    const tenths = value.toFixed(1);
    text = Number(tenths) < 10 ? tenths : value.toFixed(0);
    // 999,999 B is "1.0 MB", not "1000 kB".
    if (Number(text) < 1000 || unit === BYTE_UNITS.length - 1) break;
  }
  return `${bytes < 0 ? "-" : ""}${text} ${BYTE_UNITS[unit]}`;
}

/** Thousands separators for counts: 10000000 -> "10,000,000". */
export function formatCount(n: number | bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Display text for one cell value. Null is shown as an empty, styled cell by the caller. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    const abs = Math.abs(value);
    if (Number.isInteger(value) && abs < 1e15) return value.toString();
    if (abs !== 0 && (abs >= 1e15 || abs < 1e-4)) return value.toExponential(6);
    return String(Number(value.toPrecision(10)));
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return formatTimestamp(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return String(value);
  }
}

const RELATIVE_STEPS: [number, string][] = [
  [60, "s"],
  [60, "min"],
  [24, "h"],
  [30, "d"],
  [12, "mo"],
  [Number.POSITIVE_INFINITY, "y"],
];

/**
 * "3 h ago" for an ISO timestamp relative to `now` (ms since epoch); "" when unparseable.
 * Whole units, rounded down; under 10 seconds is "just now"; future times say "in …".
 */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = (now - then) / 1000;
  const ahead = seconds < 0;
  let value = Math.abs(seconds);
  if (value < 10) return "just now";
  for (const [size, unit] of RELATIVE_STEPS) {
    if (value < size) {
      const text = `${Math.floor(value)} ${unit}`;
      return ahead ? `in ${text}` : `${text} ago`;
    }
    value /= size;
  }
  return "";
}

/** An ISO timestamp in the reader's local time zone, e.g. "2026-03-04 15:06:07 GMT+1". */
export function formatLocalTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  const zone =
    new Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return zone ? `${day} ${time} ${zone}` : `${day} ${time}`;
}

/** ISO-8601 UTC time of a Date, without a ".000" when it falls on a whole second. */
export function formatTimestamp(value: Date): string {
  if (Number.isNaN(value.getTime())) return "Invalid Date";
  return value.toISOString().replace(/\.000Z$/, "Z");
}
