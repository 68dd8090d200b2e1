//! Server configuration: defaults → TOML file → `PARLEY_*` environment → flags.
//!
//! One flat `Config` (flat so that every key maps to one obvious environment variable:
//! `access_token_ttl` ↔ `PARLEY_ACCESS_TOKEN_TTL`). Loaded once at start-up and validated by
//! [`Config::validate`], whose errors name the offending key.

use std::{net::SocketAddr, path::PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Everything an operator can set. Each field's doc comment gives its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// SQLite database and attachments live here. Default: the OS data dir + `parley`.
    pub data_dir: PathBuf,
    /// Log filter (tracing `EnvFilter` syntax). Default `info`.
    pub log: String,
    /// Access-token lifetime in seconds, at most 3600. Default 900.
    pub access_token_ttl: u64,
    /// Refresh-token (session) idle lifetime in seconds. Default 30 days.
    pub refresh_token_ttl: u64,
    /// A session ends this many seconds after sign-in, however active. Default 90 days.
    pub session_max_age: u64,
    /// Largest attachment upload in bytes. Default 25 MiB.
    pub max_attachment_bytes: u64,
    /// Bytes of attachments one user may keep. Default 2 GiB.
    pub attachment_quota_bytes: u64,
    /// An upload whose body sends nothing for this many seconds is cut off. Default 30.
    pub upload_stall_timeout: u64,
    /// Thumbnails made at once (each decode may take up to 256 MiB). Default 2.
    pub thumbnail_workers: usize,
    /// Largest JSON request body in bytes. Default 64 KiB.
    pub max_request_bytes: usize,
    /// Requests (except attachment uploads and WebSockets) time out after this many seconds. Default 30.
    pub request_timeout: u64,
    /// `on` or `off`: whether anyone may create an account (`POST /auth/register`); off, the
    /// operator makes them with `parley-server admin create-user`. Default `on`.
    pub registration: Toggle,
    /// `on` or `off`: every rate limit at once. Default `on`.
    pub rate_limit: Toggle,
    /// Login and register attempts per client IP per minute. Default 20.
    pub auth_rate_per_minute: u32,
    /// Messages a user may send per second (sustained; bursts of 5× are allowed). Default 50.
    pub message_rate_per_second: u32,
    /// Other writes (edits, deletions, reactions, read markers, profile, uploads) a user may
    /// make per second (sustained; bursts of 5×). Default 10.
    pub write_rate_per_second: u32,
    /// Conversations a user may create, and people they may add to conversations, per
    /// minute. Default 30.
    pub conversation_rate_per_minute: u32,
    /// WebSocket `typing` frames a user may send per second (bursts of 5×); more are dropped.
    /// Default 2.
    pub typing_rate_per_second: u32,
    /// Login attempts per target account per minute, from anywhere. Default 10.
    pub login_rate_per_account_per_minute: u32,
    /// Reverse proxies (CIDRs, e.g. `["127.0.0.1/32", "10.0.0.0/8"]`) whose `X-Forwarded-For`
    /// is believed for the client address. Default: none (the TCP peer is the client).
    pub trusted_proxies: Vec<String>,
    /// Origins allowed by CORS, e.g. `["https://chat.example.com"]`. Default: none (CORS off).
    pub cors_origins: Vec<String>,
    /// Frames queued per WebSocket before it counts as lagging and gets `resync`. Default 1024.
    pub ws_queue: usize,
    /// Largest WebSocket frame a client may send, in bytes. Default 64 KiB.
    pub ws_max_frame_bytes: usize,
    /// Most events replayed after `hello` before the server answers `resync` instead. Default 1000.
    pub ws_replay_max: usize,
    /// Read-only database connections. Default 4.
    pub read_connections: usize,
    /// Empty (the default): SQLite in `data_dir`. `postgres://USER:PASS@HOST:PORT/DB`:
    /// PostgreSQL, shared by every instance (migrated at start).
    pub database_url: DatabaseUrl,
    /// NATS between instances, e.g. `nats://127.0.0.1:4222`: instances sharing one PostgreSQL
    /// database need it (live delivery of each other's events, typing, revocations).
    /// Default: empty (one instance).
    pub nats_url: String,
}

/// A database URL; its `Debug` hides the password, so it never reaches a log.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl DatabaseUrl {
    /// Whether it names PostgreSQL (else: SQLite in the data dir).
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.rsplit_once('@') {
            Some((_, host)) => write!(f, "postgres://…@{host}"),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// An on/off switch that also accepts `true`/`false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Toggle {
    #[serde(alias = "true")]
    On,
    #[serde(alias = "false")]
    Off,
}

impl Toggle {
    pub fn is_on(self) -> bool {
        self == Self::On
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: dirs::data_dir()
                .map(|d| d.join("parley"))
                .unwrap_or_else(|| PathBuf::from("parley-data")),
            log: "info".to_owned(),
            access_token_ttl: 900,
            refresh_token_ttl: 30 * 24 * 3600,
            session_max_age: 90 * 24 * 3600,
            max_attachment_bytes: 25 * 1024 * 1024,
            attachment_quota_bytes: 2 * 1024 * 1024 * 1024,
            upload_stall_timeout: 30,
            thumbnail_workers: 2,
            max_request_bytes: 64 * 1024,
            request_timeout: 30,
            registration: Toggle::On,
            rate_limit: Toggle::On,
            auth_rate_per_minute: 20,
            message_rate_per_second: 50,
            write_rate_per_second: 10,
            conversation_rate_per_minute: 30,
            typing_rate_per_second: 2,
            login_rate_per_account_per_minute: 10,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            ws_queue: 1024,
            ws_max_frame_bytes: 64 * 1024,
            ws_replay_max: 1000,
            read_connections: 4,
            database_url: DatabaseUrl::default(),
            nats_url: String::new(),
        }
    }
}

/// A configuration that failed to load or validate; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Defaults, then the TOML file (if any), then `PARLEY_*` variables, then `overrides`
    /// (the command-line flags, already as a partial TOML table), validated. Also returns a
    /// warning for each key in the file that isn't ours (a typo should not pass in silence).
    pub fn load(
        file: Option<&std::path::Path>,
        overrides: toml::Table,
    ) -> Result<(Self, Vec<String>), ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let mut warnings = Vec::new();
        if let Some(file) = file {
            let text = std::fs::read_to_string(file).map_err(|e| {
                ConfigError(format!("cannot read config file {}: {e}", file.display()))
            })?;
            let table: toml::Table = toml::from_str(&text)
                .map_err(|e| ConfigError(format!("config file {}: {e}", file.display())))?;
            let known = toml::Table::try_from(Config::default()).unwrap_or_default();
            for key in table.keys().filter(|k| !known.contains_key(*k)) {
                warnings.push(format!(
                    "unknown key `{key}` in {} is ignored",
                    file.display()
                ));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let config: Config = figment
            .merge(Env::prefixed("PARLEY_").split("__").ignore(&["config"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok((config, warnings))
    }

    /// Checks the values that types alone can't.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("`{key}` {why}")));
        if !(30..=3600).contains(&self.access_token_ttl) {
            return bad("access_token_ttl", "must be between 30 and 3600 seconds");
        }
        if self.refresh_token_ttl < self.access_token_ttl {
            return bad(
                "refresh_token_ttl",
                "must not be shorter than access_token_ttl",
            );
        }
        if self.max_attachment_bytes == 0 {
            return bad("max_attachment_bytes", "must be at least 1");
        }
        if self.max_request_bytes < 20 * 1024 {
            return bad(
                "max_request_bytes",
                "must be at least 20480 (a full message body must fit)",
            );
        }
        if self.request_timeout == 0 {
            return bad("request_timeout", "must be at least 1 second");
        }
        for (key, value) in [
            ("auth_rate_per_minute", self.auth_rate_per_minute),
            ("message_rate_per_second", self.message_rate_per_second),
            ("write_rate_per_second", self.write_rate_per_second),
            (
                "conversation_rate_per_minute",
                self.conversation_rate_per_minute,
            ),
            ("typing_rate_per_second", self.typing_rate_per_second),
            (
                "login_rate_per_account_per_minute",
                self.login_rate_per_account_per_minute,
            ),
        ] {
            if value == 0 {
                return bad(
                    key,
                    "must be at least 1 (use rate_limit = \"off\" to disable)",
                );
            }
        }
        if self.session_max_age < self.access_token_ttl {
            return bad(
                "session_max_age",
                "must not be shorter than access_token_ttl",
            );
        }
        if self.attachment_quota_bytes < self.max_attachment_bytes {
            return bad(
                "attachment_quota_bytes",
                "must be at least max_attachment_bytes",
            );
        }
        if self.upload_stall_timeout == 0 {
            return bad("upload_stall_timeout", "must be at least 1 second");
        }
        if self.thumbnail_workers == 0 || self.thumbnail_workers > 64 {
            return bad("thumbnail_workers", "must be between 1 and 64");
        }
        for proxy in &self.trusted_proxies {
            if crate::client_ip::parse_proxy(proxy).is_none() {
                return bad(
                    "trusted_proxies",
                    &format!("contains {proxy:?}, which is not an address or CIDR"),
                );
            }
        }
        if self.ws_queue < 16 {
            return bad("ws_queue", "must be at least 16");
        }
        if self.ws_max_frame_bytes < 20 * 1024 {
            return bad(
                "ws_max_frame_bytes",
                "must be at least 20480 (a full message body must fit)",
            );
        }
        if !self.database_url.0.is_empty() && !self.database_url.is_postgres() {
            return bad(
                "database_url",
                "must be empty (SQLite in data_dir) or a postgres:// URL",
            );
        }
        let nats_ok = self.nats_url.is_empty()
            || self.nats_url.starts_with("nats://")
            || self.nats_url.starts_with("tls://");
        if !nats_ok {
            return bad("nats_url", "must be empty or a nats:// URL");
        }
        if self.read_connections == 0 || self.read_connections > 64 {
            return bad("read_connections", "must be between 1 and 64");
        }
        for origin in &self.cors_origins {
            if origin.parse::<axum::http::HeaderValue>().is_err() || !origin.contains("://") {
                return bad(
                    "cors_origins",
                    &format!("contains an invalid origin {origin:?}"),
                );
            }
        }
        Ok(())
    }

    /// The commented example printed by `parley-server print-config`.
    pub fn commented_defaults() -> String {
        let defaults = toml::to_string(&Config::default()).unwrap_or_default();
        let docs = [
            ("listen", "Address to listen on."),
            ("data_dir", "SQLite database and attachments live here."),
            (
                "log",
                "Log filter, tracing EnvFilter syntax (e.g. \"info,parley_server=debug\").",
            ),
            (
                "access_token_ttl",
                "Access-token lifetime in seconds (30..=3600).",
            ),
            (
                "refresh_token_ttl",
                "A session expires after this many seconds without a refresh.",
            ),
            (
                "session_max_age",
                "A session ends this many seconds after sign-in, however active.",
            ),
            (
                "max_attachment_bytes",
                "Largest attachment upload in bytes.",
            ),
            (
                "attachment_quota_bytes",
                "Bytes of attachments one user may keep (over it: 413 quota_exceeded).",
            ),
            (
                "upload_stall_timeout",
                "Seconds an upload may send nothing before it is cut off.",
            ),
            (
                "thumbnail_workers",
                "Thumbnails made at once (each decode may take up to 256 MiB).",
            ),
            ("max_request_bytes", "Largest JSON request body in bytes."),
            (
                "request_timeout",
                "Seconds before a request (not uploads or WebSockets) times out.",
            ),
            (
                "registration",
                "\"on\" or \"off\": anyone may create an account; off, only `admin create-user`.",
            ),
            ("rate_limit", "\"on\" or \"off\": every rate limit at once."),
            (
                "auth_rate_per_minute",
                "Login/register attempts per client IP per minute.",
            ),
            (
                "message_rate_per_second",
                "Messages per user per second (bursts of 5x allowed).",
            ),
            (
                "write_rate_per_second",
                "Edits, deletions, reactions, read markers, uploads per user per second (bursts of 5x).",
            ),
            (
                "conversation_rate_per_minute",
                "Conversations created and people added per user per minute.",
            ),
            (
                "typing_rate_per_second",
                "Typing notices per user per second (bursts of 5x); more are dropped.",
            ),
            (
                "login_rate_per_account_per_minute",
                "Login attempts per target account per minute, from anywhere.",
            ),
            (
                "trusted_proxies",
                "Reverse proxies (CIDRs) whose X-Forwarded-For names the client; empty trusts none.",
            ),
            (
                "cors_origins",
                "Browser origins allowed by CORS; empty turns CORS off.",
            ),
            (
                "ws_queue",
                "Frames queued per WebSocket before it is told to resync.",
            ),
            (
                "ws_max_frame_bytes",
                "Largest WebSocket frame a client may send.",
            ),
            (
                "ws_replay_max",
                "Most events replayed after hello before answering resync.",
            ),
            (
                "database_url",
                "Empty: SQLite in data_dir. postgres://USER:PASS@HOST:PORT/DB: PostgreSQL, shared by several instances.",
            ),
            (
                "nats_url",
                "NATS between instances (nats://HOST:PORT); needed when several share one database.",
            ),
            ("read_connections", "Read-only SQLite connections."),
        ];
        let mut out = String::from(
            "# parley-server configuration. Precedence: flags > PARLEY_* environment > this file > defaults.\n\
             # Every key below is shown with its default; PARLEY_<KEY> (upper case) overrides it.\n",
        );
        for line in defaults.lines() {
            let key = line.split('=').next().unwrap_or("").trim();
            if let Some((_, doc)) = docs.iter().find(|(k, _)| *k == key) {
                out.push_str(&format!("\n# {doc}\n"));
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_print_round_trips() {
        Config::default().validate().unwrap();
        let printed = Config::commented_defaults();
        let parsed: Config = toml::from_str(&printed).unwrap();
        assert_eq!(
            parsed,
            Config::default(),
            "print-config must print the defaults"
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let config = Config {
            access_token_ttl: 7200,
            ..Config::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("access_token_ttl"), "{err}");
    }
}
