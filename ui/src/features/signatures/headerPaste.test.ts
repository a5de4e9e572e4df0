import { describe, expect, it } from 'vitest';
import { formatHeaderLines, parseHeaderLines } from './headerPaste';

describe('parseHeaderLines', () => {
  it('reads Name: value lines, keeping case, order, repeats and colons in values', () => {
    const r = parseHeaderLines('Stripe-Signature: t=1,v1=ab\r\nx-repeat: 1\n\nX-Repeat:2\nX-Url:  https://a.test:8443/x  ');
    expect(r.errors).toEqual([]);
    expect(r.headers).toEqual([
      { name: 'Stripe-Signature', value: 't=1,v1=ab' },
      { name: 'x-repeat', value: '1' },
      { name: 'X-Repeat', value: '2' },
      { name: 'X-Url', value: 'https://a.test:8443/x' },
    ]);
  });
  it('names the lines that are not headers', () => {
    const r = parseHeaderLines('Good: 1\nno colon here\nBad Name: x');
    expect(r.headers).toEqual([{ name: 'Good', value: '1' }]);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toContain('line 2');
    expect(r.errors[1]).toContain('line 3');
  });
  it('skips HTTP/2 pseudo-headers pasted from devtools', () => {
    expect(parseHeaderLines(':authority: example.com\nA: b').headers).toEqual([{ name: 'A', value: 'b' }]);
  });
  it('formats back to lines', () => {
    expect(formatHeaderLines([{ name: 'A', value: '1' }, { name: 'b', value: '' }])).toBe('A: 1\nb: ');
  });
});
