import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { SignInForm } from './SignInForm';

describe('SignInForm', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    localStorage.clear();
    shell = installFakeShell({ sign_in: () => ({ label: 'sam@127.0.0.1' }), create_account: () => ({ label: 'x' }) });
  });
  afterEach(() => shell.restore());

  it('has the labelled fields and buttons, with the default server URL', () => {
    renderWithClient(<SignInForm />);
    expect(screen.getByRole('textbox', { name: 'Server URL' })).toHaveValue('http://127.0.0.1:8080');
    expect(screen.getByRole('textbox', { name: 'Username' })).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create account' })).toBeInTheDocument();
  });

  it('signs in with sign_in and remembers the server URL', async () => {
    const user = userEvent.setup();
    renderWithClient(<SignInForm />);
    const url = screen.getByRole('textbox', { name: 'Server URL' });
    await user.clear(url);
    await user.type(url, 'https://chat.example:9000');
    await user.type(screen.getByRole('textbox', { name: 'Username' }), 'sam');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(shell.callsOf('sign_in')).toEqual([
      { server: 'https://chat.example:9000', username: 'sam', password: 'correct horse' },
    ]);
    expect(localStorage.getItem('parley.serverUrl')).toBe('https://chat.example:9000');
  });

  it('needs no confirmation for https or for http to this computer', async () => {
    const user = userEvent.setup();
    renderWithClient(<SignInForm />);
    const url = screen.getByRole('textbox', { name: 'Server URL' });
    expect(screen.queryByRole('checkbox', { name: 'Connect without encryption' })).toBeNull();
    await user.clear(url);
    await user.type(url, 'https://chat.example.com');
    expect(screen.queryByRole('checkbox', { name: 'Connect without encryption' })).toBeNull();
    expect(url).not.toHaveAccessibleDescription();
  });

  it('warns about plain http to another machine and signs in only once confirmed', async () => {
    const user = userEvent.setup();
    renderWithClient(<SignInForm />);
    const url = screen.getByRole('textbox', { name: 'Server URL' });
    await user.clear(url);
    await user.type(url, 'http://chat.example.com');
    expect(url).toHaveAccessibleDescription(/password and messages would travel unencrypted/);
    const confirm = screen.getByRole('checkbox', { name: 'Connect without encryption' });
    expect(confirm).not.toBeChecked();
    expect(confirm).toHaveAccessibleDescription(/unencrypted/);
    await user.type(screen.getByRole('textbox', { name: 'Username' }), 'sam');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(shell.callsOf('sign_in')).toEqual([]);
    expect(shell.callsOf('create_account')).toEqual([]);
    await user.click(confirm);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(shell.callsOf('sign_in')).toEqual([
      { server: 'http://chat.example.com', username: 'sam', password: 'correct horse' },
    ]);
  });

  it('asks again when the URL changes after confirming', async () => {
    const user = userEvent.setup();
    renderWithClient(<SignInForm />);
    const url = screen.getByRole('textbox', { name: 'Server URL' });
    await user.clear(url);
    await user.type(url, 'http://192.168.1.5');
    await user.click(screen.getByRole('checkbox', { name: 'Connect without encryption' }));
    await user.type(url, '0');
    expect(screen.getByRole('checkbox', { name: 'Connect without encryption' })).not.toBeChecked();
  });

  it('creates an account with create_account', async () => {
    const user = userEvent.setup();
    renderWithClient(<SignInForm />);
    await user.type(screen.getByRole('textbox', { name: 'Username' }), 'newbie');
    await user.type(screen.getByLabelText('Password'), 'long enough');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(shell.callsOf('create_account')).toEqual([
      { server: 'http://127.0.0.1:8080', username: 'newbie', password: 'long enough', displayName: null },
    ]);
    expect(shell.callsOf('sign_in')).toEqual([]);
  });

  it("shows the command error's message inline", async () => {
    shell.handlers.sign_in = () => {
      throw { code: 'rejected', message: 'Wrong username or password' };
    };
    const user = userEvent.setup();
    renderWithClient(<SignInForm />);
    await user.type(screen.getByRole('textbox', { name: 'Username' }), 'sam');
    await user.type(screen.getByLabelText('Password'), 'nope nope');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password');
  });
});
