//! The desktop's preferences file (`settings.json` in the app data dir) through tauri-plugin-store.
//! The shell reads it once at launch (ports, data dir, theme); the UI only edits it. Desktop only:
//! a browser has no store, so callers check `Connection.desktop` first.

/** The file name the shell opens (`SETTINGS_FILE` in src-tauri/src/preferences.rs). */
export const SETTINGS_FILE = 'settings.json';

/** The keys the shell reads, and nothing else. */
export const SETTINGS_KEYS = ['receiverPort', 'apiPort', 'dataDir', 'theme'] as const;
export type SettingsKey = (typeof SETTINGS_KEYS)[number];
export type RawSettings = Partial<Record<SettingsKey, unknown>>;

async function open() {
  // Loaded on demand so the browser bundle never touches Tauri's IPC. autoSave off: a form saves
  // once, on purpose, rather than on every keystroke.
  const { load } = await import('@tauri-apps/plugin-store');
  return load(SETTINGS_FILE, { autoSave: false });
}

/** The stored values, as stored (unchecked: the file is the user's to edit). */
export async function readSettings(): Promise<RawSettings> {
  const store = await open();
  const out: RawSettings = {};
  for (const key of SETTINGS_KEYS) {
    const value = await store.get<unknown>(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Writes these keys (a `null` removes the choice, so the default applies) and saves the file. */
export async function writeSettings(values: RawSettings): Promise<void> {
  const store = await open();
  for (const key of SETTINGS_KEYS) {
    if (!(key in values)) continue;
    const value = values[key];
    if (value === null || value === undefined) await store.delete(key);
    else await store.set(key, value);
  }
  await store.save();
}
