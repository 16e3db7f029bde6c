// Turning decoded Arrow values into display text (always text: the DOM gets it via textContent).

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/** Human-readable byte size, 1000-based like most file browsers: 1234 -> "1.2 KB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "";
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
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

/** ISO-8601 UTC time of a Date, without a ".000" when it falls on a whole second. */
export function formatTimestamp(value: Date): string {
  if (Number.isNaN(value.getTime())) return "Invalid Date";
  return value.toISOString().replace(/\.000Z$/, "Z");
}
