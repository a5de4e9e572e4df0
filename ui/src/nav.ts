//! Moving between the three views, with what to prefill on arrival.
import { createContext, useContext } from 'react';
import type { EndpointInput } from './api/types';

export type View = 'inbox' | 'endpoints' | 'workbench' | 'faults' | 'outbox' | 'replays';

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
}

export const NavContext = createContext<Nav>({
  view: 'inbox',
  go: () => {},
  openWorkbench: () => {},
  newEndpoint: () => {},
  selectCapture: () => {},
  openEvent: () => {},
  outboxEvent: null,
});

export function useNav(): Nav {
  return useContext(NavContext);
}
