//! The app's keyboard shortcuts (mounted once in the shell) and the help sheet `?` opens.
import { useEffect, useState } from 'react';
import { useNav, type Nav } from '../../nav';
import { createShortcutReader, SHORTCUTS, type ShortcutAction } from './shortcuts';
import './shortcuts.css';

const OPEN_EVENT = 'hookbench:shortcuts';

/** A small link that opens the help sheet (the top bar is full; `?` does the same). */
export function ShortcutsLink() {
  return (
    <button type="button" className="btn-link small" data-testid="shortcuts-open" onClick={() => window.dispatchEvent(new Event(OPEN_EVENT))}>
      Keyboard shortcuts (?)
    </button>
  );
}

/** Presses a button of the shown capture's detail, if there is one (the same as a click). */
function pressInDetail(testId: string): boolean {
  const btn = document.querySelector<HTMLButtonElement>(`.inbox:not([hidden]) [data-testid=capture-detail] [data-testid=${testId}]`);
  if (!btn || btn.disabled) return false;
  btn.click();
  return true;
}

export function runShortcut(a: ShortcutAction, nav: Nav, setHelp: (f: (open: boolean) => boolean) => void): boolean {
  switch (a.type) {
    case 'go':
      nav.go(a.view);
      return true;
    case 'help':
      setHelp((o) => !o);
      return true;
    case 'close':
      setHelp(() => false);
      return false; // others may close their own things on Escape too
    case 'search':
      nav.go('inbox');
      // After the Inbox is shown (it is always mounted, only hidden).
      setTimeout(() => document.querySelector<HTMLInputElement>('[data-search-box]')?.focus(), 0);
      return true;
    case 'replay':
      return nav.view === 'inbox' && pressInDetail('replay-capture');
    case 'copy-curl':
      return nav.view === 'inbox' && pressInDetail('copy-curl');
  }
}

export function ShortcutsSheet({ onClose }: { onClose: () => void }) {
  return (
    <div className="shortcuts-backdrop" onClick={onClose}>
      <div className="shortcuts-sheet" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-sheet" onClick={(e) => e.stopPropagation()}>
        <div className="shortcuts-head">
          <strong>Keyboard shortcuts</strong>
          <span className="spacer" />
          <button type="button" className="btn small" onClick={onClose}>
            Close
          </button>
        </div>
        {SHORTCUTS.map((s) => (
          <section key={s.section}>
            <h3>{s.section}</h3>
            <table className="kv">
              <tbody>
                {s.items.map((i) => (
                  <tr key={i.what} data-testid="shortcut">
                    <td className="shortcut-keys">
                      {i.keys.map((k, n) => (
                        <span key={n}>
                          {n > 0 && <span className="muted"> {s.section === 'Anywhere' && i.keys[0] === 'g' ? 'then' : 'or'} </span>}
                          <kbd>{k}</kbd>
                        </span>
                      ))}
                    </td>
                    <td>{i.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </div>
  );
}

/** Listens for the shortcuts while mounted; renders the help sheet when open. */
export function Shortcuts() {
  const nav = useNav();
  const [help, setHelp] = useState(false);
  const [read] = useState(createShortcutReader);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const a = read(e, Date.now());
      if (a && runShortcut(a, nav, setHelp)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [read, nav]);
  useEffect(() => {
    // Anything may ask for the sheet (a "Keyboard shortcuts" link) without holding this state.
    const open = () => setHelp(true);
    window.addEventListener(OPEN_EVENT, open);
    return () => window.removeEventListener(OPEN_EVENT, open);
  }, []);
  return help ? <ShortcutsSheet onClose={() => setHelp(false)} /> : null;
}
