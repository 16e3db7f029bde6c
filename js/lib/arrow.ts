// Arrow IPC -> rows of display values, via flechette (small, fast, no dependencies).
import { tableFromIPC } from "@uwdata/flechette";

export interface DecodedPage {
  names: string[];
  /** rows[i][j]: value of column j in row i (null for nulls). */
  rows: unknown[][];
}

/** Decode an Arrow IPC stream (one page) into row arrays. BigInts keep int64 exact. */
export function decodePage(buffer: DataView | ArrayBuffer | Uint8Array): DecodedPage {
  const bytes =
    buffer instanceof Uint8Array
      ? buffer
      : buffer instanceof DataView
        ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
        : new Uint8Array(buffer);
  const table = tableFromIPC(bytes, { useBigInt: true });
  const names = table.names.map(String);
  const columns = table.children.map((column) => column.toArray());
  const rows: unknown[][] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: unknown[] = new Array(columns.length);
    for (let j = 0; j < columns.length; j++) row[j] = columns[j][i] ?? null;
    rows.push(row);
  }
  return { names, rows };
}
