import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const writeText = vi.fn(async (_text: string) => {});
vi.mock('@tauri-apps/plugin-clipboard-manager', () => ({ writeText }));

const { copyText, forgetToken, readConnection } = await import('./index');

function at(url: string) {
  window.history.replaceState(null, '', url);
}

beforeEach(() => {
  sessionStorage.clear();
  delete window.__HOOKBENCH__;
  writeText.mockClear();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('readConnection', () => {
  it('uses what the desktop shell injected, and leaves the address bar alone', () => {
    window.__HOOKBENCH__ = {
      apiUrl: 'http://127.0.0.1:9101',
      token: 'desk-token',
      receiverUrl: 'http://127.0.0.1:9100',
      desktop: true,
    };
    at('/?token=from-url');
    const c = readConnection();
    expect(c).toEqual({
      apiUrl: 'http://127.0.0.1:9101',
      token: 'desk-token',
      receiverUrl: 'http://127.0.0.1:9100',
      desktop: true,
    });
    expect(window.location.search).toBe('?token=from-url');
    expect(sessionStorage.getItem('hookbench.token')).toBeNull();
  });

  it('in a browser takes ?token= once, keeps it for the session and removes it from the address bar', () => {
    at('/?token=abc123&view=inbox#top');
    const c = readConnection();
    expect(c).toEqual({ apiUrl: window.location.origin, token: 'abc123', receiverUrl: null, desktop: false });
    expect(window.location.search).toBe('?view=inbox');
    expect(window.location.hash).toBe('#top');
    expect(sessionStorage.getItem('hookbench.token')).toBe('abc123');

    // A reload has no token in the URL any more: it comes back from sessionStorage.
    expect(readConnection().token).toBe('abc123');
  });

  it('has no token when neither the URL nor the session holds one, and forgets a refused one', () => {
    at('/');
    expect(readConnection().token).toBeNull();
    at('/?token=refused');
    readConnection();
    forgetToken();
    at('/');
    expect(readConnection().token).toBeNull();
  });
});

describe('copyText', () => {
  it('on the desktop goes through the clipboard plugin, not the browser API', async () => {
    const browserWrite = vi.fn(async () => {});
    vi.stubGlobal('navigator', { clipboard: { writeText: browserWrite } });
    await copyText('curl -X POST …', true);
    expect(writeText).toHaveBeenCalledWith('curl -X POST …');
    expect(browserWrite).not.toHaveBeenCalled();
  });

  it('in a browser uses navigator.clipboard', async () => {
    const browserWrite = vi.fn(async () => {});
    vi.stubGlobal('navigator', { clipboard: { writeText: browserWrite } });
    await copyText('hello', false);
    expect(browserWrite).toHaveBeenCalledWith('hello');
    expect(writeText).not.toHaveBeenCalled();
  });

  it('falls back to a selected textarea when the clipboard API refuses, and removes it again', async () => {
    vi.stubGlobal('navigator', { clipboard: { writeText: vi.fn(async () => Promise.reject(new Error('denied'))) } });
    let copied: string | null = null;
    const exec = vi.fn((cmd: string) => {
      const el = document.querySelector('textarea');
      copied = cmd === 'copy' && el instanceof HTMLTextAreaElement ? el.value.slice(el.selectionStart, el.selectionEnd) : null;
      return true;
    });
    Object.defineProperty(document, 'execCommand', { configurable: true, value: exec });
    await copyText("it's\nthere", false);
    expect(copied).toBe("it's\nthere");
    expect(document.querySelectorAll('textarea')).toHaveLength(0);
  });

  it('says so when no way to copy works', async () => {
    vi.stubGlobal('navigator', {});
    Object.defineProperty(document, 'execCommand', { configurable: true, value: () => false });
    await expect(copyText('x', false)).rejects.toThrow(/clipboard/);
  });
});
