//! Moving between the three views, with what to prefill on arrival.
import { createContext, useContext } from 'react';
import type { EndpointInput } from './api/types';

export type View = 'inbox' | 'endpoints' | 'workbench' | 'faults' | 'outbox';

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
}

export const NavContext = createContext<Nav>({
  view: 'inbox',
  go: () => {},
  openWorkbench: () => {},
  newEndpoint: () => {},
  selectCapture: () => {},
});

export function useNav(): Nav {
  return useContext(NavContext);
}
