//! The signed-in accounts and their background work. Every account stays live — its
//! realtime loop, outbox task, notifications and share of the tray's unread count — not only
//! the one on screen, so switching is instant and nothing is missed meanwhile. At most
//! [`LIVE_MAX`] run at once (each holds a socket, a cache connection and a few tasks);
//! beyond that the least recently shown ones rest until switched to.

use std::{path::PathBuf, sync::Mutex};

use parley_client::{Engine, EngineEvent, ErrorCode, accounts::Accounts};
use tauri::{AppHandle, Manager, async_runtime::JoinHandle};

use crate::{
    error::{CommandError, CommandResult},
    events::{UiEvent, emit},
    settings::Settings,
};

/// How many accounts stay live at once.
pub const LIVE_MAX: usize = 8;

struct Live {
    engine: Engine,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Live {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[derive(Default)]
struct LiveAccounts {
    /// Live accounts, least recently shown first; the last one is on screen.
    live: Vec<(String, Live)>,
    active: Option<String>,
}

/// The shell's state, managed by Tauri.
pub struct Shell {
    pub home: PathBuf,
    accounts: Mutex<LiveAccounts>,
    pub settings: Mutex<Settings>,
}

impl Shell {
    pub fn new(home: PathBuf) -> Self {
        let settings = Settings::load(&home);
        Self {
            home,
            accounts: Mutex::new(LiveAccounts::default()),
            settings: Mutex::new(settings),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LiveAccounts> {
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The account on screen, or `signed_out`.
    pub fn engine(&self) -> CommandResult<Engine> {
        let accounts = self.lock();
        accounts
            .active
            .as_ref()
            .and_then(|label| live_engine(&accounts, label))
            .ok_or_else(|| CommandError::new(ErrorCode::SignedOut, "no account is signed in"))
    }

    pub fn active_label(&self) -> Option<String> {
        self.lock().active.clone()
    }

    /// Every live account's engine (the one on screen among them).
    pub fn engines(&self) -> Vec<Engine> {
        self.lock()
            .live
            .iter()
            .map(|(_, live)| live.engine.clone())
            .collect()
    }

    /// A live account's engine.
    pub fn live(&self, label: &str) -> Option<Engine> {
        live_engine(&self.lock(), label)
    }

    /// Shows `engine`'s account: starts its work unless it runs already (a fresh sign-in
    /// replaces a running engine of the same account), remembers the choice, tells the UI.
    pub fn activate(&self, app: &AppHandle, engine: Engine) {
        let label = engine.account().label();
        let state = engine.state();
        let stopped = {
            let mut accounts = self.lock();
            let position = accounts.live.iter().position(|(l, _)| *l == label);
            let entry = match position {
                Some(i) if accounts.live[i].1.engine.same_as(&engine) => accounts.live.remove(i),
                found => {
                    if let Some(i) = found {
                        accounts.live.remove(i);
                    }
                    (label.clone(), start(app, engine))
                }
            };
            accounts.live.push(entry);
            accounts.active = Some(label.clone());
            // Over the bound: the least recently shown rest (dropped outside the lock).
            let over = accounts.live.len().saturating_sub(LIVE_MAX);
            accounts.live.drain(..over).collect::<Vec<_>>()
        };
        drop(stopped);
        if let Ok(mut settings) = self.settings.lock() {
            settings.active_account = Some(label.clone());
            let _ = settings.save(&self.home);
        }
        emit(
            app,
            vec![UiEvent::Account {
                active: Some(label),
            }],
        );
        let state = *state.borrow();
        emit(app, vec![UiEvent::State { state }]);
    }

    /// Shows the account `label`: instant when it is live, else opened from its cache.
    pub fn switch_to(&self, app: &AppHandle, label: &str) -> CommandResult<()> {
        let engine = match self.live(label) {
            Some(engine) => engine,
            None => {
                let account = Accounts::load(&self.home)?.select(Some(label))?;
                Engine::open(&self.home, account)?
            }
        };
        self.activate(app, engine);
        Ok(())
    }

    /// Stops `label`'s work (signed out); another live account, if any, comes on screen.
    pub fn stop(&self, label: &str) -> Option<Engine> {
        let (stopped, next) = {
            let mut accounts = self.lock();
            let stopped = accounts
                .live
                .iter()
                .position(|(l, _)| l == label)
                .map(|i| accounts.live.remove(i));
            if accounts.active.as_deref() == Some(label) {
                accounts.active = None;
            }
            let next = accounts.live.last().map(|(_, live)| live.engine.clone());
            (stopped, next)
        };
        drop(stopped);
        next
    }

    /// At start-up: brings every signed-in account live (up to [`LIVE_MAX`]), the remembered
    /// one (or the first) on screen. Works offline: engines read their caches; the realtime
    /// loops keep trying to connect.
    pub fn restore(&self, app: &AppHandle) -> anyhow::Result<()> {
        let accounts = Accounts::load(&self.home)?;
        let wanted = self
            .settings
            .lock()
            .ok()
            .and_then(|s| s.active_account.clone())
            .and_then(|w| accounts.select(Some(&w)).ok());
        let Some(shown) = wanted.or_else(|| accounts.accounts.first().cloned()) else {
            return Ok(());
        };
        let engine = Engine::open(&self.home, shown.clone())?;
        check_search_index(&engine);
        self.activate(app, engine);
        // The others in the background; the one on screen is already painting.
        let others: Vec<_> = accounts
            .accounts
            .iter()
            .filter(|a| a.label() != shown.label())
            .take(LIVE_MAX - 1)
            .cloned()
            .collect();
        for account in others {
            match Engine::open(&self.home, account.clone()) {
                Ok(engine) => {
                    let mut live = self.lock();
                    live.live.insert(0, (account.label(), start(app, engine)));
                }
                Err(e) => {
                    tracing::warn!(account = %account.label(), error = %e, "could not open an account");
                }
            }
        }
        Ok(())
    }
}

fn live_engine(accounts: &LiveAccounts, label: &str) -> Option<Engine> {
    accounts
        .live
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, live)| live.engine.clone())
}

fn check_search_index(engine: &Engine) {
    let checker = engine.clone();
    tauri::async_runtime::spawn(async move {
        match checker.check_search_index().await {
            Ok(true) => {
                tracing::warn!("the local search index disagreed with the messages: rebuilt");
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "search index check failed"),
        }
    });
}

/// Starts an account's work: the forwarding of its events, its realtime loop, its outbox
/// (and once, a trim of its downloaded files to the cap).
fn start(app: &AppHandle, engine: Engine) -> Live {
    let cap = app
        .state::<Shell>()
        .settings
        .lock()
        .map(|s| s.downloads_cap())
        .unwrap_or(crate::settings::DOWNLOADS_CAP_MB * 1024 * 1024);
    crate::commands::trim_downloads_later(engine.clone(), cap);
    // Subscribe before the loops start, or their first state changes could be sent
    // before anyone listens (the UI then showed "Syncing…" forever).
    let events = engine.events();
    let tasks = vec![
        tauri::async_runtime::spawn(forward(app.clone(), engine.clone(), events)),
        tauri::async_runtime::spawn({
            let engine = engine.clone();
            async move {
                let e = engine.run_realtime().await;
                tracing::warn!(account = %engine.account().label(), error = %e, "realtime loop ended");
            }
        }),
        tauri::async_runtime::spawn({
            let engine = engine.clone();
            async move {
                let e = engine.run_outbox().await;
                tracing::warn!(account = %engine.account().label(), error = %e, "outbox task ended");
            }
        }),
    ];
    Live { engine, tasks }
}

/// Forwards an account's engine batches: to the UI while it is on screen; for every live
/// account, notifications about new messages from others while the window is not focused,
/// and the tray's combined unread count (plus the UI's count of the other accounts').
async fn forward(
    app: AppHandle,
    engine: Engine,
    mut events: tokio::sync::broadcast::Receiver<Vec<EngineEvent>>,
) {
    let label = engine.account().label();
    let on_screen = || app.state::<Shell>().active_label().as_deref() == Some(label.as_str());
    loop {
        let batch = match events.recv().await {
            Ok(batch) => batch,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                // Missed some: have the UI reload from the cache.
                if on_screen() {
                    emit(
                        &app,
                        vec![UiEvent::Account {
                            active: Some(label.clone()),
                        }],
                    );
                }
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        };
        let applied = batch
            .iter()
            .any(|e| matches!(e, EngineEvent::Applied { .. }));
        crate::notify::new_messages(&app, &engine, &batch).await;
        if on_screen() {
            tracing::debug!(events = batch.len(), "forwarding to the UI");
            emit(&app, batch.into_iter().map(UiEvent::from).collect());
        } else if applied {
            emit(&app, vec![UiEvent::OtherAccounts]);
        }
        if applied {
            crate::tray::update_unread(&app).await;
        }
    }
}
