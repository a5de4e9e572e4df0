//! One capture in full: what came in (method, URL, remote address, time, version), what we answered,
//! the headers exactly as received and the body; Copy as cURL, Download, Delete.
import { useMemo, useState, type ReactNode } from 'react';
import { useApi, useCapture } from '../../api/queries';
import type { Capture } from '../../api/types';
import { MethodBadge } from '../../components/Badge';
import { CopyButton } from '../../components/CopyButton';
import { useToast } from '../../components/Toast';
import { base64ToBytes } from './body';
import { CaptureFaults } from '../faults/CaptureFaults';
import { CaptureForwards } from '../forward/CaptureForwards';
import { ReplayAction } from '../replay/ReplayAction';
import { BodyView } from './BodyView';
import { toCurl } from './curl';
import { formatSize, localTime } from './format';

export function HeadersTable({ headers }: { headers: Capture['headers'] }) {
  return (
    <table className="kv headers" data-testid="headers-table">
      <tbody>
        {headers.map((h, i) => (
          <tr key={i} data-testid="header-row">
            <td className="kv-k">{h.name}</td>
            <td className="kv-v">
              {h.value}
              {h.value_base64 && (
                <span className="muted small" title="the value is not UTF-8; Copy as cURL uses the exact bytes">
                  {' '}
                  (not UTF-8)
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The command itself, built only when opened (a 10 MiB body makes a long string). */
function CurlPreview({ make }: { make: () => string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="curl-preview" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>cURL command</summary>
      {open && (
        <pre className="code" data-testid="curl-text">
          {make()}
        </pre>
      )}
    </details>
  );
}

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="meta">
      <div className="meta-k">{label}</div>
      <div className="meta-v">{children}</div>
    </div>
  );
}

export interface DetailSlots {
  /** Shown between the summary and the headers (signature and duplicate panels). */
  panels?: (c: Capture, bytes: Uint8Array) => ReactNode;
  /** More buttons next to Copy as cURL. */
  actions?: (c: Capture, bytes: Uint8Array) => ReactNode;
}

export function CaptureDetail({
  id,
  receiverUrl,
  onDelete,
  slots = {},
}: {
  id: number;
  receiverUrl: string;
  onDelete: (id: number) => void;
  slots?: DetailSlots;
}) {
  const api = useApi();
  const toast = useToast();
  const q = useCapture(id);
  const c = q.data;
  const bytes = useMemo(() => base64ToBytes(c?.body_base64), [c?.body_base64]);

  if (q.isPending) return <div className="detail muted pad">Loading…</div>;
  if (q.isError || !c) {
    return <div className="detail muted pad">{q.error ? q.error.message : 'This capture is gone.'}</div>;
  }

  const curl = () =>
    toCurl({ method: c.method, path: c.path, query: c.query, headers: c.headers, body: c.body_stored ? bytes : null }, receiverUrl);

  const download = async () => {
    try {
      const blob = await api.captureBody(c.id);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `capture-${c.id}.bin`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      toast.show(e instanceof Error ? e.message : String(e), 'error');
    }
  };

  return (
    <div className="detail" data-testid="capture-detail" data-capture-id={c.id}>
      <div className="detail-head">
        <MethodBadge method={c.method} />
        <span className="detail-url" data-testid="detail-url">
          {c.url}
        </span>
      </div>
      <div className="actions">
        <CopyButton
          text={curl}
          label="Copy as cURL"
          // The command can only send what was kept; say so rather than let a replay look exact.
          done={c.body_stored ? 'cURL command copied' : 'cURL command copied, without the body: it was over the limit and not stored'}
          title={c.body_stored ? undefined : 'the body was not stored, so the command sends none'}
          testId="copy-curl"
        />
        <button type="button" className="btn" onClick={download} disabled={!c.body_stored || c.body_size === 0}>
          Download body
        </button>
        <ReplayAction key={c.id} capture={c} receiverUrl={receiverUrl} />
        {slots.actions?.(c, bytes)}
        <span className="spacer" />
        <button type="button" className="btn btn-danger" data-testid="delete-capture" onClick={() => onDelete(c.id)}>
          Delete
        </button>
      </div>
      <div className="metas">
        <Meta label="Capture">#{c.id}</Meta>
        <Meta label="Received">
          <span title={c.received_at}>{localTime(c.received_at)}</span>
        </Meta>
        <Meta label="From">{c.remote_addr}</Meta>
        <Meta label="HTTP">{c.http_version}</Meta>
        <Meta label="Answered">{c.response_status}</Meta>
        <Meta label="Size">
          {formatSize(c.body_size)} ({c.body_size} bytes)
        </Meta>
        <Meta label="Content type">{c.content_type ?? '—'}</Meta>
      </div>
      <CaptureFaults capture={c} />
      <CaptureForwards capture={c} />
      {slots.panels?.(c, bytes)}
      <section>
        <h3>
          Headers <span className="muted small">({c.headers.length}, as received)</span>
        </h3>
        <HeadersTable headers={c.headers} />
      </section>
      <section>
        <h3>Body</h3>
        <BodyView key={c.id} bytes={bytes} contentType={c.content_type} stored={c.body_stored} size={c.body_size} />
      </section>
      <CurlPreview make={curl} />
    </div>
  );
}
