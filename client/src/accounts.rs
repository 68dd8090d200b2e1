//! The accounts signed in on this device, kept in `PARLEY_HOME/accounts.json` (no secrets:
//! the refresh tokens are in the OS keyring), and where each one's cache file lives.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use parley_protocol::UserId;
use serde::{Deserialize, Serialize};

use crate::keyring::AccountKey;

/// Where caches and settings live: `--home`, else `PARLEY_HOME`, else the OS data dir.
pub fn default_home() -> PathBuf {
    std::env::var_os("PARLEY_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("parley")))
        .unwrap_or_else(|| PathBuf::from(".parley"))
}

/// One signed-in account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `http(s)://host[:port]`, normalized.
    pub server: String,
    pub username: String,
    pub user_id: UserId,
}

impl Account {
    /// `host[:port]` of the server.
    pub fn host(&self) -> String {
        let rest = self
            .server
            .split_once("://")
            .map_or(self.server.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest).to_lowercase()
    }

    pub fn key(&self) -> anyhow::Result<AccountKey> {
        Ok(AccountKey::new(&self.username, &self.host())?)
    }

    /// `username@host`, as `--account` takes it.
    pub fn label(&self) -> String {
        format!("{}@{}", self.username, self.host())
    }

    /// This account's cache file under `home`.
    pub fn cache_path(&self, home: &Path) -> PathBuf {
        home.join("accounts")
            .join(format!("{}.db", self.file_stem()))
    }

    /// This account's dir under `home`, next to its cache file: staged and downloaded
    /// attachments live there (see `attachments.rs`).
    pub fn data_dir(&self, home: &Path) -> PathBuf {
        home.join("accounts").join(self.file_stem())
    }

    /// The label with anything but `A-Z a-z 0-9 @ . _ -` replaced: one safe path component.
    fn file_stem(&self) -> String {
        self.label()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// The list in `accounts.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Accounts {
    pub accounts: Vec<Account>,
}

impl Accounts {
    fn file(home: &Path) -> PathBuf {
        home.join("accounts.json")
    }

    pub fn load(home: &Path) -> anyhow::Result<Self> {
        let path = Self::file(home);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!("{} is not a valid account list: {e}", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes atomically (temp file + rename), so a crash never leaves half a list.
    pub fn save(&self, home: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(home)?;
        let path = Self::file(home);
        let tmp = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(self)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// Adds or replaces (same username and host) an account.
    pub fn upsert(&mut self, account: Account) {
        self.accounts.retain(|a| a.label() != account.label());
        self.accounts.push(account);
    }

    pub fn remove(&mut self, label: &str) {
        self.accounts.retain(|a| a.label() != label);
    }

    /// The account `--account` names, or the only one there is.
    pub fn select(&self, wanted: Option<&str>) -> anyhow::Result<Account> {
        match wanted {
            Some(label) => {
                let label = label.to_lowercase();
                self.accounts
                    .iter()
                    .find(|a| a.label() == label)
                    .cloned()
                    .ok_or_else(|| {
                        anyhow::anyhow!("no signed-in account {label}; see `parley accounts`")
                    })
            }
            None => match self.accounts.as_slice() {
                [] => anyhow::bail!(
                    "not signed in: run `parley login --server URL --username NAME --password-stdin`"
                ),
                [only] => Ok(only.clone()),
                many => {
                    let labels: Vec<String> = many.iter().map(Account::label).collect();
                    anyhow::bail!(
                        "several accounts are signed in ({}): choose one with --account",
                        labels.join(", ")
                    )
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, server: &str) -> Account {
        Account {
            server: server.to_owned(),
            username: name.to_owned(),
            user_id: UserId::new("u1"),
        }
    }

    #[test]
    fn labels_and_selection() {
        let a = account("alice", "http://127.0.0.1:8080");
        assert_eq!(a.label(), "alice@127.0.0.1:8080");
        let mut all = Accounts::default();
        assert!(all.select(None).is_err(), "no account: must say to log in");
        all.upsert(a.clone());
        assert_eq!(all.select(None).unwrap(), a);
        all.upsert(account("bob", "https://chat.example.com"));
        assert!(
            all.select(None).is_err(),
            "two accounts: --account is needed"
        );
        assert_eq!(
            all.select(Some("BOB@chat.example.com")).unwrap().username,
            "bob"
        );
    }

    #[test]
    fn saves_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Accounts::default();
        all.upsert(account("alice", "http://h:1"));
        all.save(dir.path()).unwrap();
        assert_eq!(Accounts::load(dir.path()).unwrap().accounts, all.accounts);
    }
}
