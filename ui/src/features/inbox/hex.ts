//! The hex view's rows: offset | 16 bytes in hex | the same bytes as ASCII ('.' when not printable).

export const BYTES_PER_ROW = 16;

export interface HexRow {
  offset: string;
  hex: string;
  ascii: string;
}

export function hexRow(bytes: Uint8Array, row: number): HexRow {
  const start = row * BYTES_PER_ROW;
  const slice = bytes.subarray(start, Math.min(start + BYTES_PER_ROW, bytes.length));
  const cells: string[] = [];
  let ascii = '';
  for (let i = 0; i < BYTES_PER_ROW; i++) {
    if (i < slice.length) {
      const b = slice[i];
      cells.push(b.toString(16).padStart(2, '0'));
      ascii += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.';
    } else {
      cells.push('  ');
    }
    if (i === 7) cells.push('');
  }
  return { offset: start.toString(16).padStart(8, '0'), hex: cells.join(' ').trimEnd(), ascii };
}

export function hexRowCount(length: number): number {
  return Math.ceil(length / BYTES_PER_ROW);
}

/** `count` rows from `first`, clipped to the data. */
export function hexRows(bytes: Uint8Array, first: number, count: number): HexRow[] {
  const end = Math.min(hexRowCount(bytes.length), first + count);
  const rows: HexRow[] = [];
  for (let r = first; r < end; r++) rows.push(hexRow(bytes, r));
  return rows;
}
