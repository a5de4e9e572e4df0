import { describe, expect, it } from 'vitest';
import { hexRow, hexRowCount, hexRows } from './hex';

describe('hex rows', () => {
  it('shows offset, two groups of eight bytes and the ASCII column', () => {
    const bytes = new Uint8Array([...'Hello, World!\n'].map((c) => c.charCodeAt(0)).concat([0x00, 0xff, 0x41]));
    expect(hexRow(bytes, 0)).toEqual({
      offset: '00000000',
      hex: '48 65 6c 6c 6f 2c 20 57  6f 72 6c 64 21 0a 00 ff',
      ascii: 'Hello, World!...',
    });
    expect(hexRow(bytes, 1)).toEqual({ offset: '00000010', hex: '41', ascii: 'A' });
  });
  it('counts rows and clips a window to the data', () => {
    const bytes = new Uint8Array(40);
    expect(hexRowCount(40)).toBe(3);
    expect(hexRowCount(0)).toBe(0);
    expect(hexRows(bytes, 1, 10).map((r) => r.offset)).toEqual(['00000010', '00000020']);
  });
});
