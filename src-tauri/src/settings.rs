//! The desktop's own settings, in `PARLEY_HOME/desktop.json` (the engine keeps the rest).

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Theme {
    System,
    Light,
    Dark,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Settings {
    /// Closing the window hides it to the tray instead of quitting.
    pub close_to_tray: bool,
    pub theme: Theme,
    /// The account shown at start-up (`username@host`).
    pub active_account: Option<String>,
    /// How much the downloaded files of each account may take (MiB); the least recently
    /// opened go first beyond it.
    #[cfg_attr(test, ts(type = "number"))]
    pub downloads_cap_mb: u64,
}

/// The default cap on each account's downloaded files.
pub const DOWNLOADS_CAP_MB: u64 = 1024;

impl Settings {
    /// [`Settings::downloads_cap_mb`] in bytes.
    pub fn downloads_cap(&self) -> u64 {
        self.downloads_cap_mb.saturating_mul(1024 * 1024)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            close_to_tray: false,
            theme: Theme::System,
            active_account: None,
            downloads_cap_mb: DOWNLOADS_CAP_MB,
        }
    }
}

impl Settings {
    pub fn load(home: &Path) -> Self {
        std::fs::read(home.join("desktop.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Atomic write (temp file + rename).
    pub fn save(&self, home: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(home)?;
        let tmp = home.join("desktop.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(tmp, home.join("desktop.json"))?;
        Ok(())
    }
}
