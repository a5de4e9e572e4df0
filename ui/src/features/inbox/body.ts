//! What a captured body is and how to show it: bytes from base64, strict/lossy UTF-8, the default
//! tab, JSON re-indented without reparsing its literals, form fields.

export type BodyTab = 'pretty' | 'raw' | 'hex';
export type PrettyKind = 'json' | 'form' | 'text';

export function base64ToBytes(b64: string | null | undefined): Uint8Array {
  if (!b64) return new Uint8Array(0);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/** The body as text, or `null` when it is not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

export function utf8Lossy(bytes: Uint8Array): string {
  return lossy.decode(bytes);
}

/** Bytes a person can't read as text: invalid UTF-8, or control bytes other than tab, CR, LF, FF. */
export function isBinary(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return true;
    if (b === 0x7f) return true;
  }
  return utf8OrNull(bytes) === null;
}

function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What the Pretty tab shows for this body. */
export function prettyKind(contentType: string | null | undefined, bytes: Uint8Array): PrettyKind {
  const text = utf8OrNull(bytes);
  if (text === null || text.trim() === '') return 'text';
  const mt = mediaType(contentType);
  if (mt === 'application/x-www-form-urlencoded') return 'form';
  const looksJson = mt.endsWith('/json') || mt.endsWith('+json') || /^\s*[[{]/.test(text);
  if (looksJson && parsesAsJson(text)) return 'json';
  return 'text';
}

/** The tab opened first: hex for binary, pretty for JSON/forms, raw for other text. */
export function defaultBodyTab(contentType: string | null | undefined, bytes: Uint8Array): BodyTab {
  if (bytes.length === 0) return 'raw';
  if (isBinary(bytes)) return 'hex';
  return prettyKind(contentType, bytes) === 'text' ? 'raw' : 'pretty';
}

/**
 * Re-indents valid JSON with two spaces. Strings and numbers are copied as written, so a 20-digit
 * id or `1.0` stays exactly what the sender sent (JSON.parse + stringify would round them).
 */
export function prettyJson(text: string): string {
  let out = '';
  let depth = 0;
  let i = 0;
  const nl = () => '\n' + '  '.repeat(depth);
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '{' || ch === '[') {
      // Empty containers stay on one line.
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      const close = ch === '{' ? '}' : ']';
      if (text[j] === close) {
        out += ch + close;
        i = j + 1;
        continue;
      }
      depth++;
      out += ch + nl();
    } else if (ch === '}' || ch === ']') {
      depth--;
      out += nl() + ch;
    } else if (ch === ',') {
      out += ',' + nl();
    } else if (ch === ':') {
      out += ': ';
    } else {
      out += ch;
    }
    i++;
  }
  return out;
}

/** The fields of a form-urlencoded body, in order, repeats kept. */
export function formFields(text: string): [string, string][] {
  return [...new URLSearchParams(text).entries()];
}
