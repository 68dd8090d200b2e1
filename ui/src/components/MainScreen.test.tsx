import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VirtuosoMockContext } from 'react-virtuoso';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectedConversationStore } from '../state/navigation';
import { ada, conversation, me, message, sent, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { MainScreen } from './MainScreen';

describe('main screen', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    selectedConversationStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0)],
      messages: () => [sent(message(1))],
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
      sessions: () => [],
      settings: () => ({ close_to_tray: true, theme: 'system' }),
    });
  });
  afterEach(() => shell.restore());

  const renderScreen = () => renderWithClient(
    <VirtuosoMockContext.Provider value={{ viewportHeight: 1000, itemHeight: 80 }}>
      <MainScreen />
    </VirtuosoMockContext.Provider>,
  );

  it('paints the list first, then loads a conversation when one is opened', async () => {
    const user = userEvent.setup();
    renderScreen();
    await user.click(await screen.findByRole('button', { name: /^Ada Lovelace/ }));
    expect(await screen.findByRole('heading', { name: 'Ada Lovelace' })).toBeInTheDocument();
    expect(await screen.findByRole('log', { name: 'Messages' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Attach file' })).toBeEnabled();
  });

  it('loads the dialogs on demand', async () => {
    const user = userEvent.setup();
    renderScreen();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    expect(await screen.findByRole('dialog', { name: 'Settings' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'New conversation' }));
    expect(await screen.findByRole('dialog', { name: 'New conversation' })).toBeInTheDocument();
  });
});
