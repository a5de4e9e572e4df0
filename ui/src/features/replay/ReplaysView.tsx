//! The Replays view: bulk replay (captures by filter or ids to a target, or events such as the
//! dead letters of a destination since a time, resent), previewed before it starts, then followed
//! live with a progress bar, counts and pause / resume / cancel; past bulk replays; export of the
//! same selection as HAR, JSON Lines or cURL (redacted by default); import of a file or pasted
//! curl commands as captures.
import { useContext, useRef, useState, type DragEvent } from 'react';
import { ApiError } from '../../api/client';
import { EVENT_STATES, useDestinations } from '../../api/events';
import { useEndpoints, useInfo } from '../../api/queries';
import {
  useBatch,
  useBatches,
  useChangeBatch,
  useExport,
  useImport,
  usePreviewBatch,
  useReplayLive,
  useStartBatch,
  type Batch,
  type BatchPreview,
  type ExportFormat,
  type ImportFormat,
  type ImportResult,
} from '../../api/replay';
import { Badge } from '../../components/Badge';
import { CopyButton } from '../../components/CopyButton';
import { PlatformContext } from '../../components/platformContext';
import { useNav } from '../../nav';
import {
  buildBatchInput,
  buildExportInput,
  describeSource,
  EMPTY_SOURCE,
  progressOf,
  type SourceForm,
  type TargetForm,
} from './bulk';
import './replay.css';
import { captureSelection, useCaptureSelection } from './selection';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function SourceFields({ form, set }: { form: SourceForm; set: (f: SourceForm) => void }) {
  const endpoints = useEndpoints();
  const destinations = useDestinations();
  const selection = useCaptureSelection();
  const up = (p: Partial<SourceForm>) => set({ ...form, ...p });
  return (
    <fieldset className="replay-fieldset" data-testid="bulk-source">
      <legend>What</legend>
      <div className="replay-line">
        <label className="small">
          <input type="radio" name="bulk-kind" checked={form.kind === 'captures'} onChange={() => up({ kind: 'captures' })} data-testid="bulk-kind-captures" /> Captures
        </label>
        <label className="small">
          <input type="radio" name="bulk-kind" checked={form.kind === 'events'} onChange={() => up({ kind: 'events' })} data-testid="bulk-kind-events" /> Events (resent to their own target)
        </label>
      </div>
      <label className="field">
        <span className="field-label">Ids (e.g. 3, 5-8; when given, the filters below are not used)</span>
        <input value={form.ids} onChange={(e) => up({ ids: e.target.value })} data-testid="bulk-ids" spellCheck={false} />
      </label>
      {selection.length > 0 && (
        <div className="replay-line small">
          <button type="button" className="btn small" data-testid="bulk-use-selection" onClick={() => up({ kind: 'captures', ids: selection.join(', ') })}>
            Use the Inbox selection ({selection.length})
          </button>
          <button type="button" className="btn-link" onClick={() => captureSelection.clear()}>
            clear it
          </button>
        </div>
      )}
      {form.kind === 'captures' ? (
        <div className="replay-grid">
          <label className="field">
            <span className="field-label">Endpoint</span>
            <select value={form.endpoint} onChange={(e) => up({ endpoint: e.target.value })} data-testid="bulk-endpoint">
              <option value="">Any</option>
              {(endpoints.data ?? []).map((ep) => (
                <option key={ep.id} value={ep.id}>
                  {ep.name} ({ep.path_prefix})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Verdict</span>
            <select value={form.verdict} onChange={(e) => up({ verdict: e.target.value as SourceForm['verdict'] })} data-testid="bulk-verdict">
              <option value="">Any</option>
              <option value="valid">Valid signature</option>
              <option value="invalid">Invalid signature</option>
            </select>
          </label>
          <label className="field">
            <span className="field-label">Method</span>
            <select value={form.method} onChange={(e) => up({ method: e.target.value })} data-testid="bulk-method">
              <option value="">Any</option>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Duplicates</span>
            <select value={form.duplicate} onChange={(e) => up({ duplicate: e.target.value as SourceForm['duplicate'] })}>
              <option value="">Firsts and duplicates</option>
              <option value="false">First copies only</option>
              <option value="true">Duplicates only</option>
            </select>
          </label>
          <label className="field">
            <span className="field-label">Path contains</span>
            <input value={form.q} onChange={(e) => up({ q: e.target.value })} data-testid="bulk-q" spellCheck={false} />
          </label>
        </div>
      ) : (
        <div className="replay-grid">
          <label className="field">
            <span className="field-label">State</span>
            <select value={form.state} onChange={(e) => up({ state: e.target.value })} data-testid="bulk-state">
              <option value="">Any</option>
              {EVENT_STATES.map((s) => (
                <option key={s} value={s}>
                  {s === 'dead' ? 'dead (dead letters)' : s}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Destination</span>
            <select value={form.destination} onChange={(e) => up({ destination: e.target.value })} data-testid="bulk-destination">
              <option value="">Any</option>
              {(destinations.data ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <div className="replay-grid">
        <label className="field">
          <span className="field-label">Since</span>
          <input type="datetime-local" value={form.since} onChange={(e) => up({ since: e.target.value })} data-testid="bulk-since" />
        </label>
        <label className="field">
          <span className="field-label">Until</span>
          <input type="datetime-local" value={form.until} onChange={(e) => up({ until: e.target.value })} data-testid="bulk-until" />
        </label>
      </div>
    </fieldset>
  );
}

export function BatchProgress({ batch }: { batch: Batch }) {
  const change = useChangeBatch();
  const p = progressOf(batch);
  const act = (action: 'pause' | 'resume' | 'cancel') => change.mutate({ id: batch.id, action });
  return (
    <div className="batch" data-testid="batch" data-batch-id={batch.id} data-state={batch.state} data-finished={p.finished ? 'true' : 'false'}>
      <div className="batch-head">
        <strong>Bulk replay #{batch.id}</strong>
        <Badge tone={batch.state === 'cancelled' ? 'bad' : batch.state === 'paused' ? 'warn' : batch.state === 'done' ? 'ok' : 'muted'} testId="batch-state">
          {batch.state}
        </Badge>
        <span className="muted small">{describeSource(batch.input.source)}</span>
        <span className="spacer" />
        {batch.state === 'running' && (
          <button type="button" className="btn small" data-testid="batch-pause" disabled={change.isPending} onClick={() => act('pause')}>
            Pause
          </button>
        )}
        {batch.state === 'paused' && (
          <button type="button" className="btn small" data-testid="batch-resume" disabled={change.isPending} onClick={() => act('resume')}>
            Resume
          </button>
        )}
        {(batch.state === 'running' || batch.state === 'paused') && (
          <button type="button" className="btn small btn-danger" data-testid="batch-cancel" disabled={change.isPending} onClick={() => act('cancel')}>
            Cancel
          </button>
        )}
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={batch.total} aria-valuenow={batch.done} data-testid="batch-progress">
        <div className="progress-bar" style={{ width: `${p.percent}%` }} />
      </div>
      <div className="batch-counts small">
        <span data-testid="batch-done">
          {batch.done} / {batch.total}
        </span>
        <span className="ok" data-testid="batch-delivered">
          {batch.counts.delivered} delivered
        </span>
        <span className="bad" data-testid="batch-dead">
          {batch.counts.dead} dead
        </span>
        <span data-testid="batch-in-progress">{batch.counts.in_progress} in progress</span>
        <span data-testid="batch-skipped">{batch.skipped} skipped</span>
        {batch.counts.cancelled > 0 && <span>{batch.counts.cancelled} cancelled</span>}
        <span className="muted">{batch.rate_per_sec}/s</span>
      </div>
      <div className={`small ${p.finished ? 'batch-summary-final' : 'muted'}`} data-testid="batch-summary">
        {p.summary}
      </div>
      {batch.last_error && (
        <div className="field-error" data-testid="batch-last-error">
          Last skipped: {batch.last_error}
        </div>
      )}
    </div>
  );
}

/** A batch followed by id: its own query, kept current by `batch.updated` and its events. */
export function LiveBatch({ id }: { id: number }) {
  const q = useBatch(id);
  if (!q.data) return <div className="muted small">Loading bulk replay #{id}…</div>;
  return <BatchProgress batch={q.data} />;
}

function BulkReplay({
  source,
  setSource,
  receiverUrl,
  started,
  setStarted,
}: {
  source: SourceForm;
  setSource: (f: SourceForm) => void;
  receiverUrl: string;
  started: number | null;
  setStarted: (id: number) => void;
}) {
  const destinations = useDestinations();
  const preview = usePreviewBatch();
  const start = useStartBatch();
  const [target, setTarget] = useState<TargetForm>({ kind: 'url', url: receiverUrl.replace(/\/+$/, '') + '/replayed', destination: '', mode: 'as_received', rate: '10' });
  const [shown, setShown] = useState<{ preview: BatchPreview; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = buildBatchInput(source, target);
  const key = JSON.stringify(input);
  const upT = (p: Partial<TargetForm>) => setTarget({ ...target, ...p });
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));

  const doPreview = () => {
    setError(null);
    if ('error' in input) return setError(input.error);
    preview.mutate(input, { onSuccess: (p) => setShown({ preview: p, key }), onError: fail });
  };
  const doStart = () => {
    setError(null);
    if ('error' in input) return setError(input.error);
    start.mutate(input, {
      onSuccess: (b) => {
        setStarted(b.id);
        setShown(null);
      },
      onError: fail,
    });
  };
  const current = shown && shown.key === key ? shown.preview : null;

  return (
    <section className="replays-section" data-testid="bulk-replay">
      <h3>Bulk replay</h3>
      <SourceFields form={source} set={setSource} />
      {source.kind === 'captures' && (
        <fieldset className="replay-fieldset">
          <legend>To</legend>
          <div className="replay-line">
            <label className="small">
              <input type="radio" name="bulk-target" checked={target.kind === 'url'} onChange={() => upT({ kind: 'url' })} /> a URL
            </label>
            <label className="small">
              <input type="radio" name="bulk-target" checked={target.kind === 'destination'} onChange={() => upT({ kind: 'destination' })} disabled={(destinations.data ?? []).length === 0} /> a
              destination
            </label>
          </div>
          {target.kind === 'url' ? (
            <input className="replay-wide" value={target.url} onChange={(e) => upT({ url: e.target.value })} data-testid="bulk-url" spellCheck={false} aria-label="Target URL" />
          ) : (
            <select value={target.destination} onChange={(e) => upT({ destination: e.target.value })} data-testid="bulk-to-destination" aria-label="Target destination">
              <option value="">Choose…</option>
              {(destinations.data ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} — {d.url}
                </option>
              ))}
            </select>
          )}
          <div className="replay-line">
            <label className="small" title="method, headers and body byte for byte">
              <input type="radio" name="bulk-mode" checked={target.mode === 'as_received'} onChange={() => upT({ mode: 'as_received' })} /> As received
            </label>
            <label className="small" title="old signature dropped, signed afresh with the destination's scheme and secret">
              <input type="radio" name="bulk-mode" checked={target.mode === 'resigned'} onChange={() => upT({ mode: 'resigned' })} /> Re-signed (needs a destination that signs)
            </label>
          </div>
        </fieldset>
      )}
      <label className="field replay-rate">
        <span className="field-label">Rate (events per second, so the target is not flooded)</span>
        <input type="number" min={0.1} max={1000} step="any" value={target.rate} onChange={(e) => upT({ rate: e.target.value })} data-testid="bulk-rate" />
      </label>
      {error && (
        <div className="form-errors" data-testid="bulk-error" role="alert">
          {error}
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn" data-testid="bulk-preview" disabled={preview.isPending} onClick={doPreview}>
          Preview count
        </button>
        {current && (
          <span data-testid="bulk-preview-count">
            {current.total} {source.kind} would be {source.kind === 'captures' ? 'replayed' : 'resent'}
            {current.capped ? ' (capped: the filter matched more than a bulk replay takes)' : ''}
            {current.sample.length > 0 && <span className="muted small"> — first: #{current.sample.slice(0, 8).join(', #')}</span>}
          </span>
        )}
        <button type="button" className="btn btn-primary" data-testid="bulk-start" disabled={!current || current.total === 0 || start.isPending} onClick={doStart} title={current ? undefined : 'preview the count first'}>
          Start bulk replay{current ? ` of ${current.total}` : ''}
        </button>
      </div>
      {started !== null && <LiveBatch id={started} />}
    </section>
  );
}

function BatchList({ hide }: { hide: number | null }) {
  const list = useBatches();
  const items = (list.data ?? []).filter((b) => b.id !== hide);
  return (
    <section className="replays-section" data-testid="batch-list">
      <h3>Past bulk replays</h3>
      {list.isPending && <div className="muted small">Loading…</div>}
      {list.data && items.length === 0 && <div className="muted small">None yet.</div>}
      {items.map((b) => (
        <BatchProgress key={b.id} batch={b} />
      ))}
    </section>
  );
}

/** Saves a file: a Blob and `<a download>` (the browser, and the desktop webview's download). */
function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function ExportPanel({ source }: { source: SourceForm }) {
  const { desktop } = useContext(PlatformContext);
  const exp = useExport();
  const [format, setFormat] = useState<ExportFormat>('har');
  const [redact, setRedact] = useState(true);
  const [headers, setHeaders] = useState('');
  const [result, setResult] = useState<{ name: string; records: number; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = () => {
    setError(null);
    const input = buildExportInput(source, format, redact, headers);
    if ('error' in input) return setError(input.error);
    exp.mutate(input, {
      onSuccess: async (f) => {
        saveFile(f.blob, f.fileName);
        setResult({ name: f.fileName, records: f.records, text: await f.blob.text() });
      },
      onError: (e) => setError(e instanceof ApiError ? e.message : String(e)),
    });
  };
  return (
    <section className="replays-section" data-testid="export-panel">
      <h3>Export</h3>
      <p className="muted small">The same selection as above ({source.kind}, ids or filters).</p>
      <div className="replay-line">
        {(['har', 'jsonl', 'curl'] as const).map((f) => (
          <label key={f} className="small">
            <input type="radio" name="export-format" checked={format === f} onChange={() => setFormat(f)} data-testid={`export-format-${f}`} />{' '}
            {f === 'har' ? 'HAR 1.2' : f === 'jsonl' ? 'JSON Lines' : 'cURL script'}
          </label>
        ))}
      </div>
      <label className="replay-check">
        <input type="checkbox" checked={redact} onChange={(e) => setRedact(e.target.checked)} data-testid="export-redact" /> Redact secrets{' '}
        <span className="muted small">
          — Authorization, cookies, API-key and signature headers, every signing secret Hookbench holds and the API token are replaced by a placeholder. Turn off only for a file that
          stays with you: it then holds the bytes exactly, secrets included.
        </span>
      </label>
      {redact && (
        <label className="field">
          <span className="field-label">More headers to redact (names, `x-internal-*` for a prefix)</span>
          <input value={headers} onChange={(e) => setHeaders(e.target.value)} data-testid="export-redact-headers" spellCheck={false} />
        </label>
      )}
      {error && (
        <div className="form-errors" data-testid="export-error" role="alert">
          {error}
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn btn-primary" data-testid="export-run" disabled={exp.isPending} onClick={run}>
          Export
        </button>
        {result && (
          <span className="small" data-testid="export-result">
            Saved {result.records} record{result.records === 1 ? '' : 's'} as <code>{result.name}</code>
            {desktop ? ' (to the Downloads folder; if no file appears there, copy it instead) ' : ' '}
            <CopyButton text={result.text} label="Copy instead" done="Export copied" className="small" />
          </span>
        )}
      </div>
    </section>
  );
}

function ImportPanel({ onReplay }: { onReplay: (ids: number[]) => void }) {
  const imp = useImport();
  const nav = useNav();
  const endpoints = useEndpoints();
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [endpoint, setEndpoint] = useState('');
  const [paste, setPaste] = useState('');
  const [over, setOver] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const run = (bytes: Blob | string, name: string) => {
    setError(null);
    setResult(null);
    imp.mutate(
      { bytes, format, endpoint: endpoint ? Number(endpoint) : undefined },
      { onSuccess: setResult, onError: (e) => setError(`${name}: ${e instanceof ApiError ? e.message : String(e)}`) },
    );
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) run(f, f.name);
  };
  return (
    <section className="replays-section" data-testid="import-panel">
      <h3>Import</h3>
      <p className="muted small">A HAR file, JSON Lines (as exported) or curl commands become captures, all or none, ready to replay.</p>
      <div className="replay-line">
        <label className="field">
          <span className="field-label">Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)} data-testid="import-format">
            <option value="auto">Detect</option>
            <option value="har">HAR</option>
            <option value="jsonl">JSON Lines</option>
            <option value="curl">curl commands</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Store under endpoint</span>
          <select value={endpoint} onChange={(e) => setEndpoint(e.target.value)} data-testid="import-endpoint">
            <option value="">Where each path routes</option>
            {(endpoints.data ?? []).map((ep) => (
              <option key={ep.id} value={ep.id}>
                {ep.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div
        className={`dropzone ${over ? 'dropzone-over' : ''}`}
        data-testid="import-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop a file here, or{' '}
        <button type="button" className="btn-link" onClick={() => fileInput.current?.click()}>
          choose one
        </button>
        <input
          ref={fileInput}
          type="file"
          hidden
          data-testid="import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) run(f, f.name);
            e.target.value = '';
          }}
        />
      </div>
      <label className="field">
        <span className="field-label">…or paste curl commands</span>
        <textarea rows={4} value={paste} onChange={(e) => setPaste(e.target.value)} data-testid="import-paste" spellCheck={false} className="replay-textarea" placeholder="curl -X POST https://example.com/hooks -H 'content-type: application/json' -d '{}'" />
      </label>
      <div className="actions">
        <button type="button" className="btn" data-testid="import-paste-run" disabled={!paste.trim() || imp.isPending} onClick={() => run(paste, 'the pasted text')}>
          Import pasted
        </button>
      </div>
      {error && (
        <div className="form-errors" data-testid="import-error" role="alert">
          {error}
        </div>
      )}
      {result && (
        <div className="import-result" data-testid="import-result">
          Imported {result.imported} capture{result.imported === 1 ? '' : 's'} ({result.format}).{' '}
          {result.capture_ids.slice(0, 20).map((id) => (
            <button key={id} type="button" className="btn-link" onClick={() => nav.selectCapture(id)}>
              #{id}
            </button>
          ))}
          {result.capture_ids.length > 20 && ' …'}{' '}
          {result.capture_ids.length > 0 && (
            <button type="button" className="btn small" data-testid="import-replay" onClick={() => onReplay(result.capture_ids)}>
              Replay these…
            </button>
          )}
        </div>
      )}
    </section>
  );
}

export function ReplaysView({ receiverUrl }: { receiverUrl?: string }) {
  useReplayLive();
  const info = useInfo();
  // Arriving from the Inbox with captures selected: start from them.
  const [source, setSource] = useState<SourceForm>(() => {
    const sel = captureSelection.get();
    return sel.length > 0 ? { ...EMPTY_SOURCE, ids: sel.join(', ') } : EMPTY_SOURCE;
  });
  const [started, setStarted] = useState<number | null>(null);
  const url = receiverUrl ?? info.data?.receiver_url ?? 'http://127.0.0.1:9000';
  return (
    <div className="replays" data-testid="replays-view">
      <div className="replays-main">
        <BulkReplay source={source} setSource={setSource} receiverUrl={url} started={started} setStarted={setStarted} />
        <BatchList hide={started} />
      </div>
      <div className="replays-side">
        <ExportPanel source={source} />
        <ImportPanel onReplay={(ids) => setSource({ ...EMPTY_SOURCE, kind: 'captures', ids: ids.join(', ') })} />
      </div>
    </div>
  );
}
