//! Where saved Inbox filters live: the desktop's tauri-plugin-store (`filters.json` in the app
//! data dir, next to the preferences) or a browser's localStorage. Stored as given; the caller
//! checks the shape (the file is the user's to edit).

export const FILTERS_FILE = 'filters.json';
export const FILTERS_KEY = 'savedFilters';
export const FILTERS_LOCAL_KEY = 'hookbench.savedFilters';

export async function readSavedFilters(desktop: boolean): Promise<unknown> {
  if (desktop) {
    const { load } = await import('@tauri-apps/plugin-store');
    const store = await load(FILTERS_FILE, { autoSave: false });
    return (await store.get<unknown>(FILTERS_KEY)) ?? [];
  }
  try {
    const text = localStorage.getItem(FILTERS_LOCAL_KEY);
    return text ? (JSON.parse(text) as unknown) : [];
  } catch {
    return [];
  }
}

export async function writeSavedFilters(desktop: boolean, value: unknown): Promise<void> {
  if (desktop) {
    const { load } = await import('@tauri-apps/plugin-store');
    const store = await load(FILTERS_FILE, { autoSave: false });
    await store.set(FILTERS_KEY, value);
    await store.save();
    return;
  }
  localStorage.setItem(FILTERS_LOCAL_KEY, JSON.stringify(value));
}
