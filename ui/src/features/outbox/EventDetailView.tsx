//! One event: its state and target, Retry now / Cancel / Resend, the timeline, the payload, and
//! every attempt with the request as sent (fresh signature included), the response (inert text),
//! the error and the decision sentence. Follows the live stream: attempts appear as they happen.
import { useEffect, useRef, useState } from 'react';
import { useDestinations, useEventAction, useEventDetail, type Attempt, type EventDetail } from '../../api/events';
import { useSchemes } from '../../api/queries';
import { useNav } from '../../nav';
import type { HeaderView } from '../../api/types';
import { Badge } from '../../components/Badge';
import { CopyButton } from '../../components/CopyButton';
import { useTicker } from './clock';
import { attemptResult, countdown, formatDateTime, formatDuration, formatScale, stateTone } from './format';
import { Timeline } from './Timeline';
import { describePolicy } from './policy';
import { outcomeOf } from './timeline';
import { EditAndResend } from '../replay/EditAndResend';

const FINAL = ['delivered', 'dead', 'cancelled'];

function signingLabel(d: EventDetail, schemes: { id: string; label: string; scheme: unknown }[]): string {
  if (!d.settings.signing) return 'unsigned';
  const kind = (d.settings.signing.scheme as { kind?: string } | undefined)?.kind ?? 'standard_webhooks';
  return schemes.find((s) => (s.scheme as { kind?: string }).kind === kind)?.label ?? kind;
}

/** Base64 to text for display; bytes that are not UTF-8 become U+FFFD. */
export function decodeBody(b64: string): { text: string; bytes: number } {
  try {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(bytes), bytes: bytes.length };
  } catch {
    return { text: '(not base64)', bytes: 0 };
  }
}

function prettyIfJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Headers({ headers, testId }: { headers: HeaderView[]; testId?: string }) {
  if (headers.length === 0) return <div className="muted small">no headers</div>;
  return (
    <table className="kv" data-testid={testId}>
      <tbody>
        {headers.map((h, i) => (
          <tr key={i}>
            <td className="kv-k">{h.name}</td>
            <td className="kv-v">{h.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const TONE = { success: 'ok', retryable: 'warn', terminal: 'bad', interrupted: 'muted', in_flight: 'muted' } as const;

function AttemptCard({ a, open, focusKey, origin, scale }: { a: Attempt; open: boolean; focusKey: number; origin: number; scale: number }) {
  const focused = focusKey > 0;
  const outcome = outcomeOf(a);
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (focused && ref.current) {
      ref.current.open = true;
      ref.current.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
    }
  }, [focused, focusKey]);
  const body = a.response ? decodeBody(a.response.body_base64) : null;
  return (
    <details ref={ref} className={`attempt attempt-${outcome} ${focused ? 'attempt-focused' : ''}`} open={open || focused} data-testid="attempt" data-number={a.number} data-outcome={outcome} data-status={a.response?.status ?? ''}>
      <summary>
        <span className="attempt-n">#{a.number}</span>
        <Badge tone={TONE[outcome]} testId="attempt-result">
          {attemptResult(a)}
        </Badge>
        {a.duration_ms != null && <span className="muted small">{a.duration_ms} ms</span>}
        <span className="muted small">
          +{formatDuration((a.started_at - origin) * scale)}
          {scale !== 1 && ` (${formatDuration(a.started_at - origin)} real)`}
        </span>
        <span className="attempt-because small">{a.next && 'because' in a.next ? a.next.because : a.state === 'in_flight' ? 'waiting for the answer…' : ''}</span>
      </summary>
      <div className="attempt-body">
        {a.next && 'because' in a.next && (
          <p className="decision" data-testid="attempt-decision">
            {a.next.kind === 'retry_at' ? '↻ ' : '✗ '}
            {a.next.because}
          </p>
        )}
        {a.next?.kind === 'done' && <p className="decision decision-ok">✓ delivered</p>}
        {a.breaker && (
          <p className="decision decision-warn">
            circuit {a.breaker.kind}
            {a.breaker.kind !== 'closed' && ` until ${formatDateTime(a.breaker.until)}`}
          </p>
        )}
        {a.error && (
          <p className="attempt-error" data-testid="attempt-error">
            {a.error_class ? `${a.error_class}: ` : ''}
            {a.error}
          </p>
        )}
        <div className="grid2 attempt-io">
          <div>
            <h3>Request</h3>
            <div className="mono small attempt-line">
              {a.request.method} {a.request.url}
            </div>
            <Headers headers={a.request.headers} testId="attempt-request-headers" />
          </div>
          <div>
            <h3>Response</h3>
            {a.response ? (
              <>
                <div className="mono small attempt-line" data-testid="attempt-status">
                  {a.response.status}
                </div>
                <Headers headers={a.response.headers} />
                {body && body.bytes > 0 && <pre className="code attempt-resp-body">{prettyIfJson(body.text)}</pre>}
                {a.response.body_truncated && (
                  <div className="notice small" data-testid="attempt-truncated">
                    Body truncated at 64 KiB.
                  </div>
                )}
              </>
            ) : (
              <div className="muted small">{a.state === 'in_flight' ? 'no answer yet' : 'no response'}</div>
            )}
          </div>
        </div>
      </div>
    </details>
  );
}

function Actions({ d, onOpen }: { d: EventDetail; onOpen: (id: number) => void }) {
  const act = useEventAction();
  const [resent, setResent] = useState<number | null>(null);
  const final = FINAL.includes(d.state);
  return (
    <div className="actions">
      <button
        type="button"
        className="btn"
        data-testid="event-retry"
        disabled={act.isPending || d.state === 'delivered' || d.state === 'delivering' || d.state === 'pending'}
        title="make the next attempt due now"
        onClick={() => act.mutate({ id: d.id, action: 'retry' })}
      >
        Retry now
      </button>
      <button type="button" className="btn btn-danger" data-testid="event-cancel" disabled={act.isPending || final} onClick={() => act.mutate({ id: d.id, action: 'cancel' })}>
        Cancel
      </button>
      <button
        type="button"
        className="btn"
        data-testid="event-resend"
        disabled={act.isPending}
        title="a new event with the same payload"
        onClick={() =>
          act.mutate(
            { id: d.id, action: 'resend' },
            { onSuccess: (r) => ('created' in r ? setResent(r.created.id) : undefined) },
          )
        }
      >
        Resend
      </button>
      {resent !== null && (
        <button type="button" className="btn-link" data-testid="event-resent-link" onClick={() => onOpen(resent)}>
          Resent as #{resent} →
        </button>
      )}
    </div>
  );
}

export function EventDetailView({ id, onOpen }: { id: number; onOpen: (id: number) => void }) {
  const q = useEventDetail(id);
  const destinations = useDestinations();
  const schemes = useSchemes();
  const nav = useNav();
  const [focused, setFocused] = useState<{ n: number; at: number } | null>(null);
  const d = q.data;
  const live = d ? !FINAL.includes(d.state) : false;
  const now = useTicker(live, 500);
  if (q.isError) return <div className="pad form-errors">{q.error.message}</div>;
  if (!d) return <div className="pad muted">Loading…</div>;
  const dest = destinations.data?.find((x) => x.id === d.destination_id);
  const scale = d.time_scale || d.settings.time_scale || 1;
  const body = decodeBody(d.body_base64);
  const attempts = [...d.attempts].sort((a, b) => b.number - a.number);
  return (
    <div className="detail event-detail" data-testid="event-detail" data-event-id={d.id} data-state={d.state}>
      <div className="detail-head">
        <Badge tone={stateTone(d.state) === 'info' ? 'muted' : (stateTone(d.state) as 'ok' | 'bad' | 'warn' | 'muted')} testId="event-state">
          <span className={`state state-${d.state}`}>{d.state}</span>
        </Badge>
        <strong>Event #{d.id}</strong>
        <span className="method">{d.method}</span>
        <span className="detail-url">{d.url}</span>
      </div>
      <div className="metas">
        <div>
          <div className="meta-k">Destination</div>
          <div className="meta-v">{dest ? dest.name : d.destination_id != null ? `#${d.destination_id} (deleted)` : 'a URL'}</div>
        </div>
        <div>
          <div className="meta-k">Idempotency key / id</div>
          <div className="meta-v">
            {d.idempotency_key} <CopyButton text={d.idempotency_key} className="small" />
          </div>
        </div>
        <div>
          <div className="meta-k">Created</div>
          <div className="meta-v">{formatDateTime(d.created_at)}</div>
        </div>
        <div>
          <div className="meta-k">Attempts</div>
          <div className="meta-v" data-testid="event-attempts">
            {d.attempt_count}
          </div>
        </div>
        <div>
          <div className="meta-k">Next attempt</div>
          <div className="meta-v" data-testid="event-next">
            {d.next_attempt_at != null && live ? countdown(d.next_attempt_at, now) : '—'}
          </div>
        </div>
        <div>
          <div className="meta-k">Policy</div>
          <div className="meta-v small">{d.settings.retry ? describePolicy(d.settings.retry) : 'standard'}</div>
        </div>
        <div>
          <div className="meta-k">Time scale</div>
          <div className="meta-v">
            {formatScale(scale)}
            {(d.settings.time_scale ?? 1) === 1 && scale !== 1 && <span className="muted small"> (global)</span>}
          </div>
        </div>
        <div>
          <div className="meta-k">Signing</div>
          <div className="meta-v">{signingLabel(d, schemes.data ?? [])}</div>
        </div>
        {(d.origin !== 'send' || d.capture_id != null) && (
          <div>
            <div className="meta-k">Origin</div>
            <div className="meta-v" data-testid="event-origin">
              {d.origin}
              {d.capture_id != null && (
                <>
                  {' of '}
                  <button type="button" className="btn-link" onClick={() => nav.selectCapture(d.capture_id as number)}>
                    capture #{d.capture_id}
                  </button>
                </>
              )}
            </div>
          </div>
        )}
        {d.resent_from != null && (
          <div>
            <div className="meta-k">Resent from</div>
            <div className="meta-v">
              <button type="button" className="btn-link" onClick={() => onOpen(d.resent_from as number)}>
                #{d.resent_from}
              </button>
            </div>
          </div>
        )}
      </div>
      {d.dead_reason && (
        <div className="form-errors dead-reason" data-testid="event-dead-reason">
          Dead letter: {d.dead_reason}
        </div>
      )}
      <Actions d={d} onOpen={onOpen} />
      <EditAndResend key={d.id} event={d} onOpen={onOpen} />
      <Timeline detail={d} now={live ? now : Date.now()} onSelectAttempt={(n) => setFocused({ n, at: Date.now() })} />
      {d.marks.length > 0 && (
        <ul className="marks small">
          {d.marks.map((m, i) => (
            <li key={i} data-kind={m.kind}>
              <span className="muted">+{formatDuration((m.at - d.created_at) * scale)}</span> {m.text}
            </li>
          ))}
        </ul>
      )}
      <details className="payload">
        <summary>
          Payload ({body.bytes} bytes, {d.headers.length} extra header{d.headers.length === 1 ? '' : 's'})
        </summary>
        <Headers headers={d.headers} />
        <pre className="code">{prettyIfJson(body.text)}</pre>
      </details>
      <h3>Attempts</h3>
      {attempts.length === 0 && <p className="muted">No attempt yet{d.next_attempt_at != null ? ` — the first is due ${countdown(d.next_attempt_at, now)}` : ''}.</p>}
      <div data-testid="attempts">
        {attempts.map((a, i) => (
          <AttemptCard key={a.id} a={a} open={i === 0} focusKey={focused?.n === a.number ? focused.at : 0} origin={d.created_at} scale={scale} />
        ))}
      </div>
    </div>
  );
}
