import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { applyUiEvents } from '../queries/events';
import { createQueryClient } from '../queries/client';
import { BackfillProgress } from './BackfillProgress';

describe('BackfillProgress', () => {
  it('shows first-sign-in progress and disappears when done', () => {
    render(<BackfillProgress />);
    expect(screen.queryByRole('progressbar')).toBeNull();
    const client = createQueryClient();
    act(() => applyUiEvents(client, [{ type: 'backfill', done: 2, total: 5 }]));
    const bar = screen.getByRole('progressbar', { name: 'Loading conversations' });
    expect(bar.getAttribute('value')).toBe('2');
    expect(screen.getByText('Loading conversations: 2 of 5')).toBeTruthy();
    act(() => applyUiEvents(client, [{ type: 'backfill', done: 5, total: 5 }]));
    expect(screen.queryByRole('progressbar')).toBeNull();
  });
});
