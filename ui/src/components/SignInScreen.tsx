import { SignInForm } from './SignInForm';

export function SignInScreen() {
  return (
    <main className="sign-in-screen">
      <div className="sign-in-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">P</span>
          <h1>Parley</h1>
        </div>
        <p className="muted">Sign in to your Parley server, or create an account on it.</p>
        <SignInForm />
      </div>
    </main>
  );
}
