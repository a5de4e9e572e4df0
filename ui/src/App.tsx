//! The app shell: connection check, top bar (receiver URL, live indicator, count, Clear all), the
//! three views and the toasts. A refused or missing token shows how to get a good one instead.
import { lazy, Suspense, useCallback, useMemo, useRef, useState } from 'react';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Api, isUnauthorized } from './api/client';
import { ApiContext, useCaptureList, useClearCaptures, useInfo, useLiveUpdates } from './api/queries';
import type { EndpointInput } from './api/types';
import { CopyButton } from './components/CopyButton';
import { PlatformContext } from './components/platformContext';
import { ToastProvider } from './components/Toast';
import { captureCountLabel } from './features/inbox/count';
import { DuplicatePanel } from './features/inbox/DuplicatePanel';
import { Inbox } from './features/inbox/Inbox';
import { PreferencesButton } from './features/preferences/Preferences';
import type { DetailSlots } from './features/inbox/CaptureDetail';
import { EndpointsView } from './features/endpoints/EndpointsView';
import { FaultBanner } from './features/faults/FaultBanner';
import { StoreBanner } from './features/health/StoreBanner';
import { FaultsView } from './features/faults/FaultsView';
import { CaptureSignature, OpenInWorkbench } from './features/signatures/CaptureSignature';
import { Workbench } from './features/signatures/Workbench';
import { NavContext, type FilterRequest, type Nav, type OutboxFilterRequest, type View, type WorkbenchPrefill } from './nav';
import type { CaptureFilter } from './api/types';
import { AlertsButton } from './features/alerts/Alerts';
import { Dashboard } from './features/dashboard/Dashboard';
import { Shortcuts } from './features/shortcuts/Shortcuts';
import { forgetToken, type Connection } from './platform';

// The sender's view (and CodeMirror with it) loads the first time it is opened.
const OutboxView = lazy(() => import('./features/outbox/OutboxView').then((m) => ({ default: m.OutboxView })));
const ReplaysView = lazy(() => import('./features/replay/ReplaysView').then((m) => ({ default: m.ReplaysView })));

export function AuthScreen({ desktop }: { desktop: boolean }) {
  return (
    <div className="auth" data-testid="auth-screen">
      <h1>Hookbench</h1>
      <p>This page has no valid API token, so it cannot talk to the engine.</p>
      {desktop ? (
        <p>Restart the Hookbench app.</p>
      ) : (
        <p>
          Open the <code>ui:</code> URL printed by <code>hookbench serve</code> (it ends in <code>/?token=…</code>).
        </p>
      )}
    </div>
  );
}

function LiveIndicator({ api }: { api: Api }) {
  const status = useLiveUpdates(api);
  const label = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span className={`live live-${status}`} data-testid="live-indicator" data-status={status} title="live updates (SSE)">
      <span className="dot" />
      {label}
    </span>
  );
}

function CaptureCount() {
  const all = useCaptureList({});
  const head = all.data?.pages[0];
  if (head === undefined) return null;
  return (
    <span className="count muted" data-testid="capture-count" title={head.total_capped ? 'counted up to 10,000' : undefined}>
      {captureCountLabel(head.total, head.total_capped)}
    </span>
  );
}

function ClearAll() {
  const clear = useClearCaptures();
  const [asking, setAsking] = useState(false);
  if (asking) {
    return (
      <span className="confirm">
        Delete every capture?
        <button
          type="button"
          className="btn btn-danger"
          data-testid="clear-confirm"
          onClick={() => {
            setAsking(false);
            clear.mutate();
          }}
        >
          Delete all
        </button>
        <button type="button" className="btn" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </span>
    );
  }
  return (
    <button type="button" className="btn" data-testid="clear-all" onClick={() => setAsking(true)}>
      Clear all
    </button>
  );
}

function Shell({ api, conn }: { api: Api; conn: Connection }) {
  const info = useInfo();
  const [view, setView] = useState<View>('inbox');
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [workbench, setWorkbench] = useState<WorkbenchPrefill | null>(null);
  const [endpointPrefill, setEndpointPrefill] = useState<Partial<EndpointInput> | null>(null);
  const prefillUsed = useCallback(() => setEndpointPrefill(null), []);
  const [outboxOpened, setOutboxOpened] = useState(false);
  const [outboxEvent, setOutboxEvent] = useState<{ id: number; seq: number } | null>(null);
  const [inboxFilter, setInboxFilter] = useState<FilterRequest<CaptureFilter> | null>(null);
  const [outboxFilter, setOutboxFilter] = useState<FilterRequest<OutboxFilterRequest> | null>(null);
  if (view === 'outbox' && !outboxOpened) setOutboxOpened(true);
  const slots = useMemo<DetailSlots>(
    () => ({
      panels: (c) => (
        <>
          <CaptureSignature capture={c} />
          <DuplicatePanel capture={c} onSelect={setSelectedId} />
        </>
      ),
      actions: (c) => <OpenInWorkbench capture={c} />,
    }),
    [],
  );
  const receiverUrl = conn.receiverUrl ?? info.data?.receiver_url ?? null;

  const nav = useMemo<Nav>(
    () => ({
      view,
      go: setView,
      openWorkbench: (p) => {
        setWorkbench(p);
        setView('workbench');
      },
      newEndpoint: (p) => {
        setEndpointPrefill(p);
        setView('endpoints');
      },
      selectCapture: (id) => {
        setSelectedId(id);
        setView('inbox');
      },
      openEvent: (id) => {
        setOutboxEvent((p) => ({ id, seq: (p?.seq ?? 0) + 1 }));
        setView('outbox');
      },
      outboxEvent,
      openInbox: (filter) => {
        setInboxFilter((p) => ({ filter, seq: (p?.seq ?? 0) + 1 }));
        setView('inbox');
      },
      inboxFilter,
      openOutbox: (filter) => {
        setOutboxFilter((p) => ({ filter, seq: (p?.seq ?? 0) + 1 }));
        setView('outbox');
      },
      outboxFilter,
    }),
    [view, outboxEvent, inboxFilter, outboxFilter],
  );

  if (info.isError && isUnauthorized(info.error)) return <AuthScreen desktop={conn.desktop} />;
  if (!receiverUrl) {
    return <div className="pad muted">{info.isError ? info.error.message : 'Connecting to the engine…'}</div>;
  }

  return (
    <NavContext.Provider value={nav}>
      <div className="app">
        <header className="topbar">
          <span className="brand">Hookbench</span>
          <nav className="nav">
            {(['inbox', 'endpoints', 'workbench', 'faults', 'outbox', 'replays', 'dashboard'] as const).map((v) => (
              <button
                key={v}
                type="button"
                className={`nav-btn ${view === v ? 'nav-on' : ''}`}
                data-testid={`nav-${v}`}
                onClick={() => setView(v)}
              >
                {v === 'inbox' ? 'Inbox' : v === 'endpoints' ? 'Endpoints' : v === 'workbench' ? 'Workbench' : v === 'faults' ? 'Faults' : v === 'outbox' ? 'Outbox' : v === 'replays' ? 'Replays' : 'Dashboard'}
              </button>
            ))}
          </nav>
          <span className="receiver">
            <span className="muted small">Receiver</span>
            <code data-testid="receiver-url">{receiverUrl}</code>
            <CopyButton text={receiverUrl} label="Copy" done="Receiver URL copied" className="small" />
          </span>
          <span className="spacer" />
          <LiveIndicator api={api} />
          <CaptureCount />
          <AlertsButton />
          <ClearAll />
          <PreferencesButton receiverUrl={receiverUrl} apiUrl={conn.apiUrl} desktop={conn.desktop} retention />
          <Shortcuts />
        </header>
        <StoreBanner />
        <FaultBanner />
        <main className="main">
          <Inbox
            receiverUrl={receiverUrl}
            active={view === 'inbox'}
            selectedId={selectedId}
            setSelectedId={setSelectedId}
            slots={slots}
          />
          {view === 'endpoints' && (
            <EndpointsView receiverUrl={receiverUrl} prefill={endpointPrefill} onPrefillUsed={prefillUsed} />
          )}
          <div className="view-wrap" hidden={view !== 'workbench'}>
            <Workbench prefill={workbench} />
          </div>
          {view === 'faults' && <FaultsView />}
          {view === 'dashboard' && <Dashboard />}
          {view === 'replays' && (
            <Suspense fallback={<div className="pad muted">Loading…</div>}>
              <ReplaysView receiverUrl={receiverUrl} />
            </Suspense>
          )}
          {/* Kept mounted once opened: the composer keeps what was typed, the live stream stays open. */}
          {outboxOpened && (
            <div className="view-wrap" hidden={view !== 'outbox'}>
              <Suspense fallback={<div className="pad muted">Loading…</div>}>
                <OutboxView receiverUrl={receiverUrl} />
              </Suspense>
            </div>
          )}
        </main>
      </div>
    </NavContext.Provider>
  );
}

export function App({ conn }: { conn: Connection }) {
  const [unauthorized, setUnauthorized] = useState(false);
  const toastRef = useRef<{ show: (t: string, k?: 'info' | 'error') => void } | null>(null);
  const api = useMemo(() => new Api(conn), [conn]);
  const client = useMemo(() => {
    const onError = (e: unknown) => {
      if (isUnauthorized(e)) {
        forgetToken();
        setUnauthorized(true);
      }
    };
    return new QueryClient({
      defaultOptions: { queries: { retry: (n, e) => !isUnauthorized(e) && n < 2, refetchOnWindowFocus: false } },
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({
        onError: (e, _v, _c, m) => {
          onError(e);
          // Forms that show the message next to their fields opt out with `meta: { silent: true }`.
          if (!m.meta?.silent) toastRef.current?.show(e.message, 'error');
        },
      }),
    });
  }, []);

  if (!conn.token || unauthorized) return <AuthScreen desktop={conn.desktop} />;
  return (
    <PlatformContext.Provider value={{ desktop: conn.desktop }}>
      <QueryClientProvider client={client}>
        <ApiContext.Provider value={api}>
          <ToastProvider apiRef={toastRef}>
            <Shell api={api} conn={conn} />
          </ToastProvider>
        </ApiContext.Provider>
      </QueryClientProvider>
    </PlatformContext.Provider>
  );
}
