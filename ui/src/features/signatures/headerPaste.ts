//! Headers pasted into the workbench, one `Name: value` per line (as copied from a log or devtools).

export interface PastedHeader {
  name: string;
  value: string;
}

export interface PasteResult {
  headers: PastedHeader[];
  /** Lines that are not `Name: value`, with their 1-based number. */
  errors: string[];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseHeaderLines(text: string): PasteResult {
  const headers: PastedHeader[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = raw.trim();
    // Blank lines, and HTTP/2 pseudo-headers copied from devtools (`:authority: …`), carry nothing to check.
    if (line === '' || line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (colon <= 0 || !TOKEN.test(name)) {
      errors.push(`line ${idx + 1}: expected "Name: value", got "${line.length > 60 ? line.slice(0, 60) + '…' : line}"`);
      return;
    }
    headers.push({ name, value: line.slice(colon + 1).trim() });
  });
  return { headers, errors };
}

/** The inverse, for prefilling the workbench from a capture. */
export function formatHeaderLines(headers: PastedHeader[]): string {
  return headers.map((h) => `${h.name}: ${h.value}`).join('\n');
}
