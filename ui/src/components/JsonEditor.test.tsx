import { render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { checkJson, describeJsonError, JsonEditor } from './JsonEditor';

describe('checkJson', () => {
  it('points at the first error with a 1-based line and column', () => {
    const c = checkJson('{\n  "a": 1\n  "b": 2\n}');
    expect(c).toMatchObject({ ok: false, line: 3, col: 3 });
    expect(describeJsonError(c)).toBe(`line 3, column 3: expected ',' or '}', found '"'`);
  });

  it('names the usual mistakes', () => {
    expect(checkJson('{"a":1,}')).toMatchObject({ ok: false, col: 8, message: expect.stringContaining('trailing comma') });
    expect(checkJson("{'a':1}")).toMatchObject({ ok: false, message: expect.stringContaining('double quotes') });
    expect(checkJson('{"a": "x')).toMatchObject({ ok: false, col: 7, message: expect.stringContaining('never closed') });
    expect(checkJson('{"a": 01}')).toMatchObject({ ok: false, message: expect.stringContaining('not a JSON number') });
    expect(checkJson('{"a": 1} x')).toMatchObject({ ok: false, col: 10, message: expect.stringContaining('after the JSON value') });
    expect(checkJson('')).toMatchObject({ ok: false, message: expect.stringContaining('end of the text') });
  });

  it('lets an empty body through only when asked', () => {
    expect(checkJson('  ', true)).toEqual({ ok: true });
    expect(checkJson('  ').ok).toBe(false);
  });

  it('agrees with JSON.parse on what is valid', () => {
    const samples = [
      '{}', '[]', '0', '-0.5e+3', '"a\\u00e9\\n"', 'true', 'null', '[1, [2, {"x": [false]}]]', ' {"a" : "b" } ',
      '{', '[1 2]', '[1,]', '-', '1.', '.5', '"\\x"', '"a\tb"', 'tru', 'NaN', '{"a" 1}', '{"a":1}}', '[01]', '1e',
    ];
    for (const s of samples) {
      let parses = true;
      try {
        JSON.parse(s);
      } catch {
        parses = false;
      }
      expect(checkJson(s).ok, s).toBe(parses);
    }
  });
});

function Harness({ initial }: { initial: string }) {
  const [v, setV] = useState(initial);
  return (
    <>
      <JsonEditor value={v} onChange={setV} />
      <button type="button" onClick={() => setV('{"fixed": true}')}>
        fix
      </button>
    </>
  );
}

describe('JsonEditor', () => {
  it('shows the error under the text and follows a new value from outside', async () => {
    render(<Harness initial={'{"a": 1,\n}'} />);
    const editor = screen.getByTestId('json-editor');
    expect(editor.dataset.valid).toBe('false');
    expect(screen.getByTestId('json-editor-error').textContent).toBe('line 2, column 1: a trailing comma before } is not allowed in JSON');
    expect(editor.querySelector('.cm-content')?.textContent).toContain('"a": 1,');
    screen.getByText('fix').click();
    await screen.findByText('"fixed"', { exact: false });
    expect(screen.getByTestId('json-editor').dataset.valid).toBe('true');
    expect(screen.queryByTestId('json-editor-error')).toBeNull();
  });
});
