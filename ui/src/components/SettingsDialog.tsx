import { AccountsSection } from './AccountsSection';
import { AppearanceSection } from './AppearanceSection';
import { Dialog } from './Dialog';
import { DownloadsSection } from './DownloadsSection';
import { ProfileSection } from './ProfileSection';
import { SessionsSection } from './SessionsSection';

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Settings" onClose={onClose} wide>
      <ProfileSection />
      <AccountsSection onSignedOut={onClose} />
      <AppearanceSection />
      <DownloadsSection />
      <SessionsSection />
    </Dialog>
  );
}
