//! A JSON editor on CodeMirror 6 that checks as you type and points at the first error (line and
//! column, underlined in the text and said under it). Controlled: `value` in, `onChange` out.
//! `checkJson` is the same check without an editor, for callers that must refuse bad JSON.
import { useEffect, useRef } from 'react';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, linter, type Diagnostic } from '@codemirror/lint';
import { EditorState, Compartment } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, placeholder as placeholderExt } from '@codemirror/view';
import { tags } from '@lezer/highlight';

export type JsonCheck = { ok: true } | { ok: false; message: string; pos: number; line: number; col: number };

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/**
 * Checks `text` as JSON (RFC 8259, what `JSON.parse` takes) with a position of our own: engines
 * word their errors differently and WebKit's (the desktop webview) give no position at all.
 * An empty (or blank) text counts as valid when `allowEmpty` (an empty body is a body).
 */
export function checkJson(text: string, allowEmpty = false): JsonCheck {
  if (allowEmpty && text.trim() === '') return { ok: true };
  let i = 0;
  const n = text.length;
  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, Math.min(at, n));
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = () => (i >= n ? 'the end of the text' : `'${text[i]}'`);
  const string = () => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u must be followed by 4 hex digits', i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail(`'\\${e ?? ''}' is not an escape JSON knows (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, i);
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail(c === '\n' ? 'a string cannot span lines (write \\n)' : 'a control character must be escaped in a string');
      i++;
    }
    fail('this string is never closed with "', start);
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '-' || m[0] === '') fail(`expected a value, found ${describe()}`);
    i += m![0].length;
    if (i < n && /[0-9.eE]/.test(text[i])) fail(`'${text.slice(i - m![0].length, i + 1)}' is not a JSON number`);
  };
  const value = (depth: number): void => {
    if (depth > 500) fail('nested too deeply');
    ws();
    if (i >= n) fail('expected a value, found the end of the text');
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === '}') fail('a trailing comma before } is not allowed in JSON');
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after the property name, found ${describe()}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`expected ',' or '}', found ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') fail('a trailing comma before ] is not allowed in JSON');
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`expected ',' or ']', found ${describe()}`);
      }
    }
    if (c === '"') return string();
    if (c === "'") fail('strings need double quotes in JSON');
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    fail(`expected a value, found ${describe()}`);
  };
  try {
    value(0);
    ws();
    if (i < n) fail(`unexpected ${describe()} after the JSON value`);
    return { ok: true };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const before = text.slice(0, e.pos);
    const line = before.split('\n').length;
    const col = e.pos - (before.lastIndexOf('\n') + 1) + 1;
    return { ok: false, message: e.message, pos: e.pos, line, col };
  }
}

/** "line 3, column 5: expected ',' or '}', found '\"'". */
export function describeJsonError(c: JsonCheck): string | null {
  return c.ok ? null : `line ${c.line}, column ${c.col}: ${c.message}`;
}

const theme = EditorView.theme({
  '&': { fontSize: '12px', border: '1px solid var(--border)', borderRadius: 'var(--radius)', background: 'var(--bg)' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-1px' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--fg)' },
  '.cm-gutters': { background: 'var(--bg-soft)', color: 'var(--fg-muted)', border: 'none' },
  '.cm-scroller': { overflow: 'auto' },
});

/** Colours from the app's variables, so the editor follows the light and dark themes. */
const highlight = HighlightStyle.define([
  { tag: tags.propertyName, color: 'var(--accent)' },
  { tag: tags.string, color: 'var(--ok)' },
  { tag: tags.number, color: 'var(--warn)' },
  { tag: [tags.bool, tags.null], color: 'var(--bad)' },
  { tag: [tags.brace, tags.squareBracket, tags.separator, tags.punctuation], color: 'var(--fg-muted)' },
]);

export interface JsonEditorProps {
  value: string;
  onChange: (v: string) => void;
  /** An empty text is valid (no body). */
  allowEmpty?: boolean;
  readOnly?: boolean;
  minHeight?: number;
  maxHeight?: number;
  placeholder?: string;
  testId?: string;
  ariaLabel?: string;
}

export function JsonEditor({
  value,
  onChange,
  allowEmpty = false,
  readOnly = false,
  minHeight = 160,
  maxHeight = 480,
  placeholder = '',
  testId = 'json-editor',
  ariaLabel = 'JSON',
}: JsonEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const allowEmptyRef = useRef(allowEmpty);
  allowEmptyRef.current = allowEmpty;
  const readOnlyConf = useRef(new Compartment());

  useEffect(() => {
    if (!host.current) return;
    const lint = linter(
      (v): Diagnostic[] => {
        const c = checkJson(v.state.doc.toString(), allowEmptyRef.current);
        if (c.ok) return [];
        const to = Math.min(c.pos + 1, v.state.doc.length);
        return [{ from: Math.min(c.pos, to), to, severity: 'error', message: c.message }];
      },
      { delay: 150 },
    );
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          json(),
          syntaxHighlighting(highlight),
          lint,
          lintGutter(),
          placeholderExt(placeholder),
          theme,
          EditorView.theme({ '.cm-content, .cm-gutter': { minHeight: `${minHeight}px` }, '.cm-scroller': { maxHeight: `${maxHeight}px` } }),
          EditorView.contentAttributes.of({ 'aria-label': ariaLabel, 'data-testid': `${testId}-content` }),
          readOnlyConf.current.of(EditorState.readOnly.of(readOnly)),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is made once (remaking it would lose the cursor and history); later `value`s
    // are dispatched below, the other props are read through refs or reconfigured.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: readOnlyConf.current.reconfigure(EditorState.readOnly.of(readOnly)) });
  }, [readOnly]);

  const check = checkJson(value, allowEmpty);
  return (
    <div className="json-editor" data-testid={testId} data-valid={check.ok ? 'true' : 'false'}>
      <div ref={host} />
      {!check.ok && (
        <div className="field-error" data-testid={`${testId}-error`} role="alert">
          {describeJsonError(check)}
        </div>
      )}
    </div>
  );
}
