import { describe, expect, it } from 'vitest';
import { defaultBodyTab, formFields, isBinary, prettyJson, prettyKind, utf8Lossy } from './body';

const enc = (s: string) => new TextEncoder().encode(s);

describe('the body tab opened first', () => {
  it('is Pretty for JSON, even with a wrong or missing content type', () => {
    expect(defaultBodyTab('application/json; charset=utf-8', enc('{"a":1}'))).toBe('pretty');
    expect(defaultBodyTab('application/vnd.api+json', enc('[1]'))).toBe('pretty');
    expect(defaultBodyTab(null, enc(' {"a":1}'))).toBe('pretty');
  });
  it('is Raw for text and for JSON that does not parse', () => {
    expect(defaultBodyTab('application/json', enc('{"a":'))).toBe('raw');
    expect(defaultBodyTab('application/xml', enc('<a>1</a>'))).toBe('raw');
    expect(defaultBodyTab('text/plain', enc('line 1\r\nline 2\t!'))).toBe('raw');
  });
  it('is Pretty (a table) for forms', () => {
    expect(defaultBodyTab('application/x-www-form-urlencoded', enc('a=1&b=2'))).toBe('pretty');
    expect(prettyKind('application/x-www-form-urlencoded', enc('a=1'))).toBe('form');
  });
  it('is Hex for binary: invalid UTF-8 or control bytes', () => {
    expect(defaultBodyTab('application/json', new Uint8Array([0x7b, 0xff, 0x7d]))).toBe('hex');
    expect(defaultBodyTab('text/plain', new Uint8Array([0x41, 0x00, 0x42]))).toBe('hex');
    expect(isBinary(enc('é ✓ ünïcode'))).toBe(false);
  });
});

describe('prettyJson', () => {
  it('re-indents without touching number or string literals', () => {
    const src = '{"id":12345678901234567890,"f":1.50,"s":"a,b:{c}\\"}","e":[],"o":{},"n":[1,{"x":null}]}';
    expect(prettyJson(src)).toBe(
      [
        '{',
        '  "id": 12345678901234567890,',
        '  "f": 1.50,',
        '  "s": "a,b:{c}\\"}",',
        '  "e": [],',
        '  "o": {},',
        '  "n": [',
        '    1,',
        '    {',
        '      "x": null',
        '    }',
        '  ]',
        '}',
      ].join('\n'),
    );
  });
});

describe('forms and lossy text', () => {
  it('decodes form fields in order with repeats', () => {
    expect(formFields('a=1&b=hello+world&a=%3Cb%3E')).toEqual([
      ['a', '1'],
      ['b', 'hello world'],
      ['a', '<b>'],
    ]);
  });
  it('replaces invalid UTF-8 with U+FFFD', () => {
    expect(utf8Lossy(new Uint8Array([0x61, 0xff, 0x62]))).toBe('a\ufffdb');
  });
});
