//! The desktop preferences as a form: read leniently like the shell does (a bad value shows the
//! default), checked strictly before saving (the user gets told, not silently defaulted).
import type { RawSettings } from '../../platform/settings';

export type Theme = 'system' | 'light' | 'dark';
export const THEMES: Theme[] = ['system', 'light', 'dark'];

/** The shell's defaults (src-tauri/src/preferences.rs). */
export const DEFAULT_RECEIVER_PORT = 9000;
export const DEFAULT_API_PORT = 9001;

export interface PreferencesForm {
  receiverPort: string;
  apiPort: string;
  /** Empty: the app data dir. */
  dataDir: string;
  theme: Theme;
}

export type PreferencesErrors = Partial<Record<keyof PreferencesForm, string>>;

function storedPort(v: unknown, fallback: number): string {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? String(v) : String(fallback);
}

/** What the form starts with: the stored values, each falling back to its default as the shell does. */
export function formFromSettings(raw: RawSettings): PreferencesForm {
  return {
    receiverPort: storedPort(raw.receiverPort, DEFAULT_RECEIVER_PORT),
    apiPort: storedPort(raw.apiPort, DEFAULT_API_PORT),
    dataDir: typeof raw.dataDir === 'string' ? raw.dataDir.trim() : '',
    theme: THEMES.includes(raw.theme as Theme) ? (raw.theme as Theme) : 'system',
  };
}

function parsePort(text: string): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return 'a port is a whole number from 0 to 65535';
  const n = Number(t);
  if (n > 65535) return 'a port is a whole number from 0 to 65535';
  return n;
}

/** The values to store, or what is wrong with each field. Port 0 means "any free port". */
export function settingsFromForm(
  f: PreferencesForm,
): { ok: true; values: RawSettings } | { ok: false; errors: PreferencesErrors } {
  const errors: PreferencesErrors = {};
  const receiver = parsePort(f.receiverPort);
  const api = parsePort(f.apiPort);
  if (typeof receiver === 'string') errors.receiverPort = receiver;
  if (typeof api === 'string') errors.apiPort = api;
  if (typeof receiver === 'number' && receiver === api && receiver !== 0) {
    errors.apiPort = 'the receiver already uses this port';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const dataDir = f.dataDir.trim();
  return {
    ok: true,
    values: { receiverPort: receiver as number, apiPort: api as number, dataDir: dataDir === '' ? null : dataDir, theme: f.theme },
  };
}
