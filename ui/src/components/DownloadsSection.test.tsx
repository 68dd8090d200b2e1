import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../ipc';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { DownloadsSection } from './DownloadsSection';

describe('Downloaded files', () => {
  let shell: ReturnType<typeof installFakeShell>;
  let settings: Settings;
  beforeEach(() => {
    settings = { close_to_tray: false, theme: 'system', active_account: null, downloads_cap_mb: 1024 };
    shell = installFakeShell({
      settings: () => settings,
      set_settings: (a) => { settings = a.settings as Settings; },
      downloads: () => ({ bytes: 3 * 1024 * 1024, files: 2 }),
      clear_downloads: () => ({ bytes: 0, files: 0 }),
    });
  });
  afterEach(() => shell.restore());

  it('shows what they take, changes the cap, and clears them', async () => {
    const user = userEvent.setup();
    renderWithClient(<DownloadsSection />);
    expect(await screen.findByText(/2 files, 3(\.0)? MB, kept to open offline\./)).toBeInTheDocument();
    const cap = screen.getByRole('combobox', { name: 'Keep up to' });
    await waitFor(() => expect(cap).toBeEnabled());
    await user.selectOptions(cap, '500');
    expect(shell.callsOf('set_settings')).toEqual([{ settings: { ...settings, downloads_cap_mb: 500 } }]);
    await user.click(screen.getByRole('button', { name: 'Clear downloaded files' }));
    expect(await screen.findByText(/0 files, 0 B/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Clear downloaded files' })).toBeDisabled();
  });
});
