import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../ipc';
import { applyUiEvents } from '../queries/events';
import { createQueryClient } from '../queries/client';
import { connectionStore } from '../state/connection';
import { ConnectionStatus } from './ConnectionStatus';

describe('ConnectionStatus', () => {
  it.each<[ConnectionState, string]>([
    ['Online', 'Online'],
    ['Connecting', 'Connecting…'],
    ['Offline', 'Offline'],
    ['Syncing', 'Syncing…'],
  ])('shows %s as exactly "%s"', (state, text) => {
    act(() => connectionStore.set(state));
    render(<ConnectionStatus />);
    expect(screen.getByRole('status').textContent).toBe(text);
  });

  it('follows state events', () => {
    act(() => connectionStore.set('Connecting'));
    render(<ConnectionStatus />);
    act(() => applyUiEvents(createQueryClient(), [{ type: 'state', state: 'Offline' }]));
    expect(screen.getByRole('status').textContent).toBe('Offline');
  });
});
