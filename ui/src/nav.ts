//! Moving between the three views, with what to prefill on arrival.
import { createContext, useContext } from 'react';
import type { CaptureFilter, EndpointInput } from './api/types';

export type View = 'inbox' | 'endpoints' | 'workbench' | 'faults' | 'outbox' | 'replays' | 'dashboard';

/** A list opened from elsewhere with these filters (an alert's link, a dashboard card); `seq` tells a repeat apart. */
export interface FilterRequest<F> {
  filter: F;
  seq: number;
}

/** The Outbox's filters, as an alert's link gives them. */
export interface OutboxFilterRequest {
  state?: string;
  destination?: number;
}

export interface WorkbenchPrefill {
  method: string;
  url: string;
  headers: string;
  body: string;
  bodyBase64: string | null;
  scheme?: string;
  secrets?: string[];
}

export interface Nav {
  view: View;
  go: (v: View) => void;
  openWorkbench: (p: WorkbenchPrefill) => void;
  newEndpoint: (p: Partial<EndpointInput>) => void;
  selectCapture: (id: number) => void;
  /** The Outbox with this event selected (`outboxEvent` carries the request to the Outbox view). */
  openEvent?: (id: number) => void;
  outboxEvent?: { id: number; seq: number } | null;
  /** The Inbox with exactly these filters (`inboxFilter` carries the request to the Inbox). */
  openInbox?: (f: CaptureFilter) => void;
  inboxFilter?: FilterRequest<CaptureFilter> | null;
  /** The Outbox's event list with these filters (`outboxFilter` carries the request). */
  openOutbox?: (f: OutboxFilterRequest) => void;
  outboxFilter?: FilterRequest<OutboxFilterRequest> | null;
}

export const NavContext = createContext<Nav>({
  view: 'inbox',
  go: () => {},
  openWorkbench: () => {},
  newEndpoint: () => {},
  selectCapture: () => {},
  openEvent: () => {},
  outboxEvent: null,
  openInbox: () => {},
  inboxFilter: null,
  openOutbox: () => {},
  outboxFilter: null,
});

export function useNav(): Nav {
  return useContext(NavContext);
}
