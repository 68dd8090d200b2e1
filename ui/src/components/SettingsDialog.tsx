import { AccountsSection } from './AccountsSection';
import { AppearanceSection } from './AppearanceSection';
import { Dialog } from './Dialog';
import { SessionsSection } from './SessionsSection';

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Settings" onClose={onClose} wide>
      <AccountsSection onSignedOut={onClose} />
      <AppearanceSection />
      <SessionsSection />
    </Dialog>
  );
}
