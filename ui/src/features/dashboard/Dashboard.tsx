//! The Dashboard: per destination and per endpoint over a chosen window, the key figures and a few
//! small charts per bucket; live (refetched on activity, at most every 2 s, and once per bucket).
import { useState, type ReactNode } from 'react';
import {
  isMissingRoute,
  useMetrics,
  WINDOW_LABEL,
  WINDOWS,
  type DestinationMetrics,
  type EndpointMetrics,
  type MetricsWindow,
} from '../../api/metrics';
import { useNav } from '../../nav';
import { ShortcutsLink } from '../shortcuts/Shortcuts';
import { BarChart, Sparkline, StackedChart } from './Charts';
import { ratioSeries } from './charts';
import { count, ms, pct, perMin } from './format';
import './dashboard.css';

const WINDOW_KEY = 'hookbench.dashboard.window';

function initialWindow(): MetricsWindow {
  try {
    const w = localStorage.getItem(WINDOW_KEY);
    if (w && (WINDOWS as readonly string[]).includes(w)) return w as MetricsWindow;
  } catch {
    // no storage: the default
  }
  return '1h';
}

function Figure({ label, value, tone, testId, title }: { label: string; value: ReactNode; tone?: 'bad' | 'warn' | 'ok'; testId?: string; title?: string }) {
  return (
    <div className={`fig ${tone ? `fig-${tone}` : ''}`} title={title}>
      <div className="fig-v" data-testid={testId}>
        {value}
      </div>
      <div className="fig-k">{label}</div>
    </div>
  );
}

const BREAKER_LABEL = { closed: 'closed', open: 'open', half_open: 'half-open' } as const;

export function DestinationCard({ d }: { d: DestinationMetrics }) {
  const nav = useNav();
  const times = d.series.map((b) => b.t);
  const success = d.success_rate;
  return (
    <article className="card" data-testid="dest-metrics-card" data-target={d.target_key}>
      <header className="card-head">
        <h3 title={d.target_key}>{d.name}</h3>
        <span className={`breaker breaker-${d.breaker}`} data-testid="breaker" title="circuit breaker">
          breaker {BREAKER_LABEL[d.breaker] ?? d.breaker}
        </span>
        <span className="spacer" />
        {d.destination_id != null && (
          <button type="button" className="btn-link small" onClick={() => nav.openOutbox?.({ destination: d.destination_id ?? undefined })}>
            events
          </button>
        )}
        {d.dead_letters > 0 && d.destination_id != null && (
          <button
            type="button"
            className="btn-link small"
            data-testid="card-dead-link"
            onClick={() => nav.openOutbox?.({ state: 'dead', destination: d.destination_id ?? undefined })}
          >
            dead letters
          </button>
        )}
      </header>
      <div className="figs">
        <Figure label="success" value={pct(success)} tone={success == null ? undefined : success < 0.95 ? 'bad' : 'ok'} testId="m-success" title={`${d.delivered} delivered, ${d.dead} dead of events finished in the window`} />
        <Figure label="retried" value={pct(d.retry_rate)} tone={d.retry_rate != null && d.retry_rate > 0.2 ? 'warn' : undefined} testId="m-retry" />
        <Figure label="dead letters" value={count(d.dead_letters)} tone={d.dead_letters > 0 ? 'bad' : undefined} testId="m-dead" />
        <Figure label="attempts" value={perMin(d.attempts_per_min)} testId="m-attempts" title={`${d.attempts} attempts, ${d.events} events`} />
        <Figure label="p50 / p95 / p99" value={d.latency_ms ? `${ms(d.latency_ms.p50)} · ${ms(d.latency_ms.p95)} · ${ms(d.latency_ms.p99)}` : '—'} testId="m-latency" />
      </div>
      <div className="charts">
        <StackedChart
          label="attempts"
          times={times}
          testId="chart-attempts"
          parts={[
            { name: 'ok', tone: 'ok', values: d.series.map((b) => Math.max(0, b.attempts - b.failures)) },
            { name: 'failed', tone: 'bad', values: d.series.map((b) => b.failures) },
          ]}
        />
        <Sparkline label="p95 latency" values={d.series.map((b) => b.p95_ms ?? null)} format={ms} testId="chart-p95" />
      </div>
    </article>
  );
}

export function EndpointCard({ e }: { e: EndpointMetrics }) {
  const nav = useNav();
  const times = e.series.map((b) => b.t);
  const sigRate = ratioSeries(
    e.series.map((b) => b.signature_failures),
    e.series.map((b) => b.requests),
  );
  return (
    <article className="card" data-testid="ep-metrics-card" data-endpoint-id={e.endpoint_id}>
      <header className="card-head">
        <h3>{e.name}</h3>
        <code className="muted small">{e.path_prefix || '/'}</code>
        <span className="spacer" />
        <button type="button" className="btn-link small" onClick={() => nav.openInbox?.({ endpoint: e.endpoint_id })}>
          captures
        </button>
        {(e.signature_failure_rate ?? 0) > 0 && (
          <button type="button" className="btn-link small" onClick={() => nav.openInbox?.({ endpoint: e.endpoint_id, verdict: 'invalid' })}>
            invalid
          </button>
        )}
      </header>
      <div className="figs">
        <Figure label="requests" value={perMin(e.requests_per_min)} testId="m-requests" title={`${e.requests} requests`} />
        <Figure
          label="bad signatures"
          value={pct(e.signature_failure_rate)}
          tone={e.signature_failure_rate != null && e.signature_failure_rate > 0.02 ? 'bad' : undefined}
          testId="m-sigfail"
          title={e.signature_failure_rate == null ? 'this endpoint checks no signature' : undefined}
        />
        <Figure label="duplicates" value={pct(e.duplicate_rate)} testId="m-dup" />
        <Figure label="faults applied" value={count(e.faulted)} tone={e.faulted > 0 ? 'warn' : undefined} testId="m-faulted" />
      </div>
      <div className="charts">
        <BarChart label="requests" times={times} values={e.series.map((b) => b.requests)} testId="chart-requests" />
        {e.signature_failure_rate != null ? (
          <Sparkline label="bad signatures" values={sigRate} format={(v) => pct(v, 0)} testId="chart-sigfail" />
        ) : (
          <BarChart label="faults applied" times={times} values={e.series.map((b) => b.faulted)} tone="warn" testId="chart-faulted" />
        )}
      </div>
    </article>
  );
}

export function DashboardBody({ window }: { window: MetricsWindow }) {
  const nav = useNav();
  const m = useMetrics(window);
  if (m.isPending) return <div className="pad muted">Loading…</div>;
  if (m.isError) {
    return (
      <div className="pad muted" data-testid="dashboard-error">
        {isMissingRoute(m.error) ? 'This engine has no metrics yet (GET /api/metrics): update Hookbench.' : m.error.message}
      </div>
    );
  }
  const data = m.data;
  const quiet = data.destinations.length === 0 && data.endpoints.every((e) => e.requests === 0);
  return (
    <>
      <div className="dash-summary">
        <Figure label="retry queue" value={count(data.retry_queue)} tone={data.retry_queue > 0 ? 'warn' : undefined} testId="m-retry-queue" />
        <Figure label="destinations" value={count(data.destinations.length)} />
        <Figure label="endpoints" value={count(data.endpoints.length)} />
      </div>
      {quiet && (
        <div className="empty" data-testid="dashboard-empty">
          <h2>Nothing happened in the last {WINDOW_LABEL[window]}</h2>
          <p className="muted">
            Send a webhook to the receiver (the Inbox shows how, or use <em>Send a test webhook</em>) and put an event in
            the outbox to see deliveries here. Figures and charts fill in live.
          </p>
          <p>
            <button type="button" className="btn" onClick={() => nav.go('inbox')}>
              Go to the Inbox
            </button>{' '}
            <button type="button" className="btn" onClick={() => nav.go('outbox')}>
              Go to the Outbox
            </button>
          </p>
        </div>
      )}
      {data.destinations.length > 0 && (
        <section>
          <h2 className="dash-h">Destinations</h2>
          <div className="cards">
            {data.destinations.map((d) => (
              <DestinationCard key={d.target_key} d={d} />
            ))}
          </div>
        </section>
      )}
      {data.endpoints.length > 0 && (
        <section>
          <h2 className="dash-h">Endpoints</h2>
          <div className="cards">
            {data.endpoints.map((e) => (
              <EndpointCard key={e.endpoint_id} e={e} />
            ))}
          </div>
        </section>
      )}
    </>
  );
}

export function Dashboard() {
  const [window, setWindow] = useState<MetricsWindow>(initialWindow);
  const pick = (w: MetricsWindow) => {
    setWindow(w);
    try {
      localStorage.setItem(WINDOW_KEY, w);
    } catch {
      // not kept: fine
    }
  };
  return (
    <div className="dashboard" data-testid="dashboard">
      <div className="dash-bar">
        <div className="seg" role="radiogroup" aria-label="window">
          {WINDOWS.map((w) => (
            <button
              key={w}
              type="button"
              role="radio"
              aria-checked={window === w}
              className={`seg-btn ${window === w ? 'seg-on' : ''}`}
              data-testid={`window-${w}`}
              onClick={() => pick(w)}
            >
              {w}
            </button>
          ))}
        </div>
        <span className="muted small">the last {WINDOW_LABEL[window]}, live</span>
        <span className="spacer" />
        <ShortcutsLink />
      </div>
      <div className="dash-scroll">
        <DashboardBody window={window} />
      </div>
    </div>
  );
}
