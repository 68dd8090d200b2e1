import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeShell } from '../test/fakeShell';
import { me, sessionState } from '../test/fixtures';
import { renderWithClient } from '../test/render';
import { ProfileSection } from './ProfileSection';

describe('ProfileSection', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    shell = installFakeShell({
      session_state: () => sessionState,
      update_profile: (a) => ({ ...me, display_name: String(a.displayName ?? me.display_name) }),
      change_password: () => undefined,
    });
  });
  afterEach(() => shell.restore());

  it('saves the display name and the presence choice', async () => {
    const user = userEvent.setup();
    renderWithClient(<ProfileSection />);
    const name = await screen.findByRole('textbox', { name: 'Display name' });
    expect(name).toHaveValue('Sam');
    await user.clear(name);
    await user.type(name, 'Samuel');
    await user.click(screen.getByRole('button', { name: 'Save profile' }));
    expect(shell.callsOf('update_profile')).toEqual([{ displayName: 'Samuel', showPresence: null }]);
    const online = screen.getByRole('checkbox', { name: "Show when I'm online" });
    expect(online).toBeChecked();
    await user.click(online);
    await waitFor(() => expect(shell.callsOf('update_profile')[1]).toEqual({ displayName: null, showPresence: false }));
  });

  it('changes the password with the current one', async () => {
    const user = userEvent.setup();
    renderWithClient(<ProfileSection />);
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    await user.type(screen.getByLabelText('Current password'), 'old-password');
    await user.type(screen.getByLabelText('New password'), 'short');
    expect(screen.getByRole('button', { name: 'Save password' })).toBeDisabled();
    await user.type(screen.getByLabelText('New password'), '-but-longer');
    await user.click(screen.getByRole('button', { name: 'Save password' }));
    expect(shell.callsOf('change_password')).toEqual([{ currentPassword: 'old-password', newPassword: 'short-but-longer' }]);
    await waitFor(() => expect(screen.queryByLabelText('Current password')).toBeNull());
  });
});
