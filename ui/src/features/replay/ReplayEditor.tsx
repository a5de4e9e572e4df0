//! The request editor of "Edit before replay" and "Edit & resend": method, URL (for a resend),
//! headers as an editable list, the body (the JSON editor when the body is JSON, which checks as
//! you type and points at the error) and the diff against the original. Controlled: the draft in,
//! changes out; the engine's 422s come in as `errors`, placed by field. Payloads are text only.
import { useMemo } from 'react';
import { JsonEditor } from '../../components/JsonEditor';
import type { DiffLine } from '../inbox/diff';
import { bodyText, diffRequest, isJsonBody, type EditDraft, type OriginalRequest, type PlacedErrors } from './edit';

function pretty(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

function DiffBlock({ title, lines, testId }: { title: string; lines: DiffLine[]; testId: string }) {
  if (!lines.some((l) => l.op !== 'same')) return null;
  return (
    <div className="replay-diff-part">
      <div className="field-label">{title}</div>
      <pre className="code diff" data-testid={testId}>
        {lines.map((l, i) => (
          <div key={i} className={`diff-${l.op}`} data-op={l.op}>
            {l.op === 'added' ? '+ ' : l.op === 'removed' ? '- ' : '  '}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

export function RequestDiffView({ original, draft, withUrl }: { original: OriginalRequest; draft: EditDraft; withUrl?: boolean }) {
  const diff = useMemo(() => diffRequest(original, draft, { withUrl }), [original, draft, withUrl]);
  return (
    <section className="replay-diff" data-testid="replay-diff" data-changed={diff.changed ? 'true' : 'false'}>
      <h4>Changes against the original</h4>
      {!diff.changed ? (
        <p className="muted small" data-testid="replay-diff-none">
          No changes: it is sent as received.
        </p>
      ) : (
        <>
          <DiffBlock title="Request line" lines={diff.request} testId="replay-diff-request" />
          <DiffBlock title="Headers" lines={diff.headers} testId="replay-diff-headers" />
          {diff.bodyFormattingOnly ? (
            <p className="small" data-testid="replay-diff-body-format">
              Body: only its formatting changed (the bytes sent differ, the JSON value does not).
            </p>
          ) : (
            <DiffBlock title="Body" lines={diff.body} testId="replay-diff-body" />
          )}
        </>
      )}
    </section>
  );
}

export function ReplayEditor({
  original,
  draft,
  onChange,
  errors,
  withUrl = false,
}: {
  original: OriginalRequest;
  draft: EditDraft;
  onChange: (d: EditDraft) => void;
  errors: PlacedErrors;
  /** Show the URL field (a resend; a replay takes its URL from its target). */
  withUrl?: boolean;
}) {
  const originalText = useMemo(() => bodyText(original.bodyBase64), [original.bodyBase64]);
  const json = isJsonBody(draft.headers, originalText);
  const setHeader = (i: number, h: Partial<EditDraft['headers'][number]>) =>
    onChange({ ...draft, headers: draft.headers.map((x, j) => (j === i ? { ...x, ...h, value_base64: h.value !== undefined ? null : x.value_base64 } : x)) });
  return (
    <div className="replay-editor" data-testid="replay-editor">
      <div className="replay-line">
        <label className="field replay-method">
          <span className="field-label">Method</span>
          <input value={draft.method} onChange={(e) => onChange({ ...draft, method: e.target.value })} data-testid="replay-method" spellCheck={false} />
          {errors.method && (
            <span className="field-error" data-testid="replay-method-error">
              {errors.method}
            </span>
          )}
        </label>
        {withUrl && (
          <label className="field replay-url">
            <span className="field-label">URL</span>
            <input value={draft.url} onChange={(e) => onChange({ ...draft, url: e.target.value })} data-testid="replay-edit-url" spellCheck={false} />
            {errors.url && (
              <span className="field-error" data-testid="replay-url-error">
                {errors.url}
              </span>
            )}
          </label>
        )}
      </div>
      <div className="field">
        <span className="field-label">Headers ({draft.headers.length}; connection headers such as Host and Content-Length are written afresh)</span>
        <table className="replay-headers" data-testid="replay-headers">
          <tbody>
            {draft.headers.map((h, i) => (
              <tr key={i} data-testid="replay-header-row">
                <td>
                  <input aria-label={`header ${i + 1} name`} value={h.name} onChange={(e) => setHeader(i, { name: e.target.value })} spellCheck={false} data-testid="replay-header-name" />
                </td>
                <td>
                  <input aria-label={`header ${i + 1} value`} value={h.value} onChange={(e) => setHeader(i, { value: e.target.value })} spellCheck={false} data-testid="replay-header-value" />
                  {errors.headers[i] && (
                    <div className="field-error" data-testid="replay-header-error">
                      {errors.headers[i]}
                    </div>
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    className="btn small"
                    aria-label={`remove header ${h.name}`}
                    onClick={() => onChange({ ...draft, headers: draft.headers.filter((_, j) => j !== i) })}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div>
          <button type="button" className="btn small" data-testid="replay-add-header" onClick={() => onChange({ ...draft, headers: [...draft.headers, { name: '', value: '' }] })}>
            Add header
          </button>
        </div>
      </div>
      <div className="field">
        <span className="field-label">Body {json ? '(JSON, checked as you type)' : ''}</span>
        {draft.body === null ? (
          <p className="notice small" data-testid="replay-body-binary">
            The body is not UTF-8 text, so it cannot be edited here; it is sent byte for byte as received.
          </p>
        ) : json ? (
          <JsonEditor value={draft.body} onChange={(body) => onChange({ ...draft, body })} allowEmpty testId="replay-body" ariaLabel="Body to send" />
        ) : (
          <textarea className="replay-textarea" value={draft.body} onChange={(e) => onChange({ ...draft, body: e.target.value })} spellCheck={false} data-testid="replay-body-text" rows={10} aria-label="Body to send" />
        )}
        {json && draft.body !== null && (
          <div className="replay-line small">
            <button
              type="button"
              className="btn small"
              data-testid="replay-format"
              disabled={pretty(draft.body) === null}
              title="indent the JSON (the bytes sent change, the value does not)"
              onClick={() => onChange({ ...draft, body: pretty(draft.body ?? '') ?? draft.body })}
            >
              Format JSON
            </button>
          </div>
        )}
        {json && draft.body !== null && (
          <label className="small replay-check">
            <input type="checkbox" checked={draft.allowInvalidJson} onChange={(e) => onChange({ ...draft, allowInvalidJson: e.target.checked })} data-testid="replay-allow-invalid" /> Send it even if it is not valid JSON
            (to test how the receiver copes)
          </label>
        )}
        {errors.body && (
          <div className="field-error" data-testid="replay-body-problem" role="alert">
            {errors.body}
          </div>
        )}
      </div>
      <RequestDiffView original={original} draft={draft} withUrl={withUrl} />
    </div>
  );
}
