//! A body as Pretty (JSON re-indented, forms as a table), Raw (UTF-8, lossy) or Hex. Every
//! captured byte reaches the DOM as a text node; nothing is ever parsed as HTML.
import { useMemo, useState } from 'react';
import { Tabs } from '../../components/Tabs';
import { type BodyTab, defaultBodyTab, formFields, prettyJson, prettyKind, utf8Lossy } from './body';
import { hexRowCount, hexRows } from './hex';

const FIRST_HEX_ROWS = 512;
const MORE_HEX_ROWS = 4096;

export function HexView({ bytes }: { bytes: Uint8Array }) {
  const [shown, setShown] = useState(FIRST_HEX_ROWS);
  const total = hexRowCount(bytes.length);
  const rows = useMemo(() => hexRows(bytes, 0, shown), [bytes, shown]);
  return (
    <div className="hex" data-testid="body-hex">
      {rows.map((r) => (
        <div key={r.offset} className="hex-row">
          <span className="hex-off">{r.offset}</span>
          <span className="hex-bytes">{r.hex}</span>
          <span className="hex-ascii">{r.ascii}</span>
        </div>
      ))}
      {shown < total && (
        <button type="button" className="btn small" onClick={() => setShown((s) => s + MORE_HEX_ROWS)}>
          Show more ({(total - shown) * 16} bytes left)
        </button>
      )}
    </div>
  );
}

function Pretty({ contentType, bytes }: { contentType: string | null | undefined; bytes: Uint8Array }) {
  const kind = prettyKind(contentType, bytes);
  const text = useMemo(() => utf8Lossy(bytes), [bytes]);
  const json = useMemo(() => (kind === 'json' ? prettyJson(text) : ''), [kind, text]);
  if (kind === 'json') {
    return (
      <pre className="code" data-testid="body-pretty">
        {json}
      </pre>
    );
  }
  if (kind === 'form') {
    const fields = formFields(text);
    return (
      <table className="kv" data-testid="body-form">
        <tbody>
          {fields.map(([k, v], i) => (
            <tr key={i}>
              <td className="kv-k">{k}</td>
              <td className="kv-v">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <pre className="code" data-testid="body-pretty">
      {text}
    </pre>
  );
}

export function BodyView({
  bytes,
  contentType,
  stored,
  size,
}: {
  bytes: Uint8Array;
  contentType: string | null | undefined;
  stored: boolean;
  size: number;
}) {
  const initial = useMemo(() => defaultBodyTab(contentType, bytes), [contentType, bytes]);
  const [tab, setTab] = useState<BodyTab | null>(null);
  const current = tab ?? initial;
  if (!stored) {
    return (
      <p className="notice" data-testid="body-not-stored">
        The body ({size} bytes) was over the size limit, not stored.
      </p>
    );
  }
  if (bytes.length === 0) return <p className="muted">No body.</p>;
  return (
    <div className="body">
      <Tabs
        label="Body view"
        value={current}
        onChange={setTab}
        tabs={[
          { id: 'pretty', label: 'Pretty' },
          { id: 'raw', label: 'Raw' },
          { id: 'hex', label: 'Hex' },
        ]}
      />
      {current === 'pretty' && <Pretty contentType={contentType} bytes={bytes} />}
      {current === 'raw' && (
        <pre className="code" data-testid="body-raw">
          {utf8Lossy(bytes)}
        </pre>
      )}
      {current === 'hex' && <HexView bytes={bytes} />}
    </div>
  );
}
