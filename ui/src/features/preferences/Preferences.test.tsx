import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../components/Toast';
import { formFromSettings, settingsFromForm } from './preferences';

// An in-memory stand-in for the plugin's store: what `settings.json` holds on disk after save().
const disk = new Map<string, unknown>();
const pending = new Map<string, unknown>();
const removed = new Set<string>();
const loadCalls: { path: string; options: unknown }[] = [];
vi.mock('@tauri-apps/plugin-store', () => ({
  load: async (path: string, options: unknown) => {
    loadCalls.push({ path, options });
    return {
      get: async (k: string) => (pending.has(k) ? pending.get(k) : removed.has(k) ? undefined : disk.get(k)),
      set: async (k: string, v: unknown) => {
        removed.delete(k);
        pending.set(k, v);
      },
      delete: async (k: string) => {
        pending.delete(k);
        removed.add(k);
        return true;
      },
      save: async () => {
        for (const k of removed) disk.delete(k);
        for (const [k, v] of pending) disk.set(k, v);
        pending.clear();
        removed.clear();
      },
    };
  },
}));

const { PreferencesButton } = await import('./Preferences');

beforeEach(() => {
  disk.clear();
  pending.clear();
  removed.clear();
  loadCalls.length = 0;
});

describe('the preferences form model', () => {
  it('starts from the stored values, and from the defaults where a value is missing or malformed', () => {
    expect(formFromSettings({ receiverPort: 9100, apiPort: 'x', dataDir: ' /srv/hb ', theme: 'dark' })).toEqual({
      receiverPort: '9100',
      apiPort: '9001',
      dataDir: '/srv/hb',
      theme: 'dark',
    });
    expect(formFromSettings({ receiverPort: 70000, theme: 'purple', dataDir: 3 })).toEqual({
      receiverPort: '9000',
      apiPort: '9001',
      dataDir: '',
      theme: 'system',
    });
  });

  it('stores ports as numbers, an empty data folder as no choice, and refuses bad or clashing ports', () => {
    expect(settingsFromForm({ receiverPort: ' 0 ', apiPort: '9001', dataDir: '  ', theme: 'light' })).toEqual({
      ok: true,
      values: { receiverPort: 0, apiPort: 9001, dataDir: null, theme: 'light' },
    });
    const bad = settingsFromForm({ receiverPort: '65536', apiPort: '9o01', dataDir: '', theme: 'system' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && Object.keys(bad.errors).sort()).toEqual(['apiPort', 'receiverPort']);
    const clash = settingsFromForm({ receiverPort: '9000', apiPort: '9000', dataDir: '', theme: 'system' });
    expect(!clash.ok && clash.errors).toEqual({ apiPort: 'the receiver already uses this port' });
    // Two "any free port" choices never clash.
    expect(settingsFromForm({ receiverPort: '0', apiPort: '0', dataDir: '', theme: 'system' }).ok).toBe(true);
  });
});

describe('the Preferences panel', () => {
  function open() {
    render(
      <ToastProvider>
        <PreferencesButton receiverUrl="http://127.0.0.1:9000" apiUrl="http://127.0.0.1:9001" />
      </ToastProvider>,
    );
    fireEvent.click(screen.getByTestId('preferences-open'));
  }

  it('shows what settings.json holds and saves the edits to it', async () => {
    disk.set('receiverPort', 9100);
    disk.set('dataDir', '/old/place');
    disk.set('unrelated', 'kept');
    open();
    const receiver = await screen.findByLabelText('Receiver port');
    expect((receiver as HTMLInputElement).value).toBe('9100');
    expect((screen.getByLabelText('API port') as HTMLInputElement).value).toBe('9001');
    expect(loadCalls[0]).toEqual({ path: 'settings.json', options: { autoSave: false } });

    fireEvent.change(screen.getByLabelText('API port'), { target: { value: '9201' } });
    fireEvent.change(screen.getByLabelText(/Data folder/), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Theme'), { target: { value: 'dark' } });
    fireEvent.click(screen.getByTestId('preferences-save'));

    await waitFor(() => expect(screen.queryByTestId('preferences')).toBeNull());
    expect(Object.fromEntries(disk)).toEqual({ receiverPort: 9100, apiPort: 9201, theme: 'dark', unrelated: 'kept' });
    expect(screen.getByTestId('toast-info').textContent).toContain('next time it starts');
  });

  it('writes nothing while a field is wrong, and says which', async () => {
    open();
    await screen.findByLabelText('Receiver port');
    fireEvent.change(screen.getByLabelText('Receiver port'), { target: { value: '9001' } });
    fireEvent.click(screen.getByTestId('preferences-save'));
    expect((await screen.findByTestId('field-error')).textContent).toBe('the receiver already uses this port');
    expect(disk.size).toBe(0);
    expect(screen.getByTestId('preferences')).toBeTruthy();
  });
});
