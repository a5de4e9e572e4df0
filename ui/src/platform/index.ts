//! The UI's only door to its host: where the engine is, with which token, and the clipboard.
//! Desktop: the shell injects `window.__HOOKBENCH__` before any page script runs. Browser: the API
//! is this page's origin and the token comes once in `?token=` (then lives in sessionStorage).
//! Only this folder may import `@tauri-apps/*`.

export interface Connection {
  apiUrl: string;
  /** `null` when the page was opened without a token (browser only). */
  token: string | null;
  /** Known up front on the desktop; in a browser it comes from `GET /api/info`. */
  receiverUrl: string | null;
  desktop: boolean;
}

interface Injected {
  apiUrl: string;
  token: string;
  receiverUrl: string;
  desktop: true;
}

declare global {
  interface Window {
    __HOOKBENCH__?: Injected;
  }
}

const TOKEN_KEY = 'hookbench.token';

/** Reads the connection once at start-up; in a browser it also takes `?token=` out of the address bar. */
export function readConnection(win: Window = window): Connection {
  const injected = win.__HOOKBENCH__;
  if (injected && injected.desktop) {
    return { apiUrl: injected.apiUrl, token: injected.token, receiverUrl: injected.receiverUrl, desktop: true };
  }
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token still works for this page's life.
    }
    // Don't leave the token in the address bar, history or a screenshot.
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
  }
  let token = fromUrl;
  if (!token) {
    try {
      token = win.sessionStorage.getItem(TOKEN_KEY);
    } catch {
      token = null;
    }
  }
  return { apiUrl: win.location.origin, token: token || null, receiverUrl: null, desktop: false };
}

/** Forgets a token the engine refused, so a reload shows the explanation rather than retrying it. */
export function forgetToken(win: Window = window): void {
  try {
    win.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}

/** Puts text on the clipboard: the desktop's clipboard plugin, else the browser's API, else a textarea. */
export async function copyText(text: string, desktop: boolean): Promise<void> {
  if (desktop) {
    // Loaded only on the desktop: in a browser there is no IPC to talk to. The npm package's minor
    // must match the tauri-plugin-clipboard-manager crate's (2.3), or `tauri build` refuses to run.
    const { writeText } = await import('@tauri-apps/plugin-clipboard-manager');
    await writeText(text);
    return;
  }
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Not allowed here (insecure context, no focus): fall back below.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the clipboard is not available here');
}

/**
 * A desktop notification. Desktop: tauri-plugin-notification (asks for permission once). Browser:
 * the Notification API when the user has allowed it, else nothing (a page must not nag). Never throws.
 */
export async function notify(title: string, body: string, desktop: boolean): Promise<void> {
  try {
    if (desktop) {
      // Loaded only on the desktop; the npm package's minor must match the tauri-plugin-notification crate's.
      const n = await import('@tauri-apps/plugin-notification');
      let granted = await n.isPermissionGranted();
      if (!granted) granted = (await n.requestPermission()) === 'granted';
      if (granted) n.sendNotification({ title, body });
      return;
    }
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      new Notification(title, { body });
    }
  } catch {
    // No notification is not an error worth showing: the alert is in the UI too.
  }
}

/** Asks the browser for permission to notify (from a click); the desktop asks at the first alert. */
export async function allowBrowserNotifications(): Promise<boolean> {
  if (typeof Notification === 'undefined') return false;
  if (Notification.permission === 'granted') return true;
  if (Notification.permission === 'denied') return false;
  return (await Notification.requestPermission()) === 'granted';
}
