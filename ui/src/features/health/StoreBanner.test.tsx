import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StoreBannerView } from './StoreBanner';

describe('the store banner', () => {
  it('is absent while writes go through', () => {
    const { container } = render(<StoreBannerView trouble={null} />);
    expect(container.innerHTML).toBe('');
  });

  it('says writes are refused, since when, how many, why, and what to do', () => {
    render(<StoreBannerView trouble={{ error: 'database error: database is locked', since: Date.UTC(2026, 10, 29, 10, 0, 0), failed_writes: 3 }} />);
    const text = screen.getByTestId('store-banner').textContent ?? '';
    expect(text).toContain('Requests are not being stored.');
    expect(text).toContain('3 writes were refused');
    expect(text).toContain('database is locked');
    expect(text).toContain('holds the database');
  });

  it('tells a full disk apart and renders the reason as text', () => {
    render(<StoreBannerView trouble={{ error: 'database or disk is full <b>x</b>', since: 0, failed_writes: 1 }} />);
    const banner = screen.getByTestId('store-banner');
    expect(banner.textContent).toContain('1 write was refused');
    expect(banner.textContent).toContain('Free disk space');
    expect(banner.querySelector('b')).toBeNull();
  });
});
