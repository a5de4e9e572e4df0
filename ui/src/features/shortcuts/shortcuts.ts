//! Keyboard shortcuts: the list the help sheet shows, and a pure reader of key presses (with the
//! "g then a letter" sequences) that says which action a press means. Nothing fires while typing.
import type { View } from '../../nav';

export type ShortcutAction =
  | { type: 'go'; view: View }
  | { type: 'help' }
  | { type: 'search' }
  | { type: 'replay' }
  | { type: 'copy-curl' }
  | { type: 'close' };

export interface ShortcutHelp {
  keys: string[];
  what: string;
}

export const GO_KEYS: Record<string, View> = {
  i: 'inbox',
  e: 'endpoints',
  w: 'workbench',
  f: 'faults',
  o: 'outbox',
  r: 'replays',
  d: 'dashboard',
};

const VIEW_NAME: Record<View, string> = {
  inbox: 'Inbox',
  endpoints: 'Endpoints',
  workbench: 'Workbench',
  faults: 'Faults',
  outbox: 'Outbox',
  replays: 'Replays',
  dashboard: 'Dashboard',
};

export const SHORTCUTS: { section: string; items: ShortcutHelp[] }[] = [
  {
    section: 'Lists (Inbox, Outbox)',
    items: [
      { keys: ['j', '↓'], what: 'Next capture or event' },
      { keys: ['k', '↑'], what: 'Previous capture or event' },
      { keys: ['Delete'], what: 'Delete the selected capture' },
    ],
  },
  {
    section: 'The selected capture',
    items: [
      { keys: ['r'], what: 'Replay…' },
      { keys: ['c'], what: 'Copy as cURL' },
    ],
  },
  {
    section: 'Anywhere',
    items: [
      { keys: ['/'], what: 'Search the Inbox' },
      ...Object.entries(GO_KEYS).map(([k, v]) => ({ keys: ['g', k], what: `Go to ${VIEW_NAME[v]}` })),
      { keys: ['?'], what: 'This list' },
      { keys: ['Esc'], what: 'Close it' },
    ],
  },
];

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  target?: EventTarget | null;
}

/** Whether keys go to a field (an input, a select, an editor) rather than to the app. */
export function isTyping(target: EventTarget | null | undefined): boolean {
  const el = target as HTMLElement | null | undefined;
  if (!el || typeof el.tagName !== 'string') return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable === true || !!el.closest?.('[contenteditable=true], .cm-editor');
}

/** How long after `g` the second key may come. */
export const SEQUENCE_MS = 1500;

/** A reader of key presses; keeps the pending `g` between calls. `now` in ms. */
export function createShortcutReader(): (e: KeyPress, now: number) => ShortcutAction | null {
  let pendingG = -Infinity;
  return (e, now) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return null;
    if (e.key === 'Escape') {
      pendingG = -Infinity;
      return { type: 'close' };
    }
    if (isTyping(e.target)) return null;
    if (now - pendingG <= SEQUENCE_MS) {
      pendingG = -Infinity;
      const view = GO_KEYS[e.key];
      return view ? { type: 'go', view } : null;
    }
    switch (e.key) {
      case 'g':
        pendingG = now;
        return null;
      case '?':
        return { type: 'help' };
      case '/':
        return { type: 'search' };
      case 'r':
        return { type: 'replay' };
      case 'c':
        return { type: 'copy-curl' };
      default:
        return null;
    }
  };
}
