//! Which account is active, and its background work: the realtime loop, the outbox task, and
//! the forwarding of engine events to the UI (plus notifications and the tray's count).

use parley_client::ErrorCode;
use std::{path::PathBuf, sync::Mutex};

use parley_client::{Engine, EngineEvent, accounts::Accounts};
use tauri::{AppHandle, async_runtime::JoinHandle};

use crate::{
    error::{CommandError, CommandResult},
    events::{UiEvent, emit},
    settings::Settings,
};

struct Active {
    engine: Engine,
    tasks: Vec<JoinHandle<()>>,
}

/// The shell's state, managed by Tauri.
pub struct Shell {
    pub home: PathBuf,
    active: Mutex<Option<Active>>,
    pub settings: Mutex<Settings>,
}

impl Shell {
    pub fn new(home: PathBuf) -> Self {
        let settings = Settings::load(&home);
        Self {
            home,
            active: Mutex::new(None),
            settings: Mutex::new(settings),
        }
    }

    /// The active account's engine, or `signed_out`.
    pub fn engine(&self) -> CommandResult<Engine> {
        self.active
            .lock()
            .ok()
            .and_then(|a| a.as_ref().map(|a| a.engine.clone()))
            .ok_or_else(|| CommandError::new(ErrorCode::SignedOut, "no account is signed in"))
    }

    pub fn active_label(&self) -> Option<String> {
        self.active
            .lock()
            .ok()
            .and_then(|a| a.as_ref().map(|a| a.engine.account().label()))
    }

    /// Makes `engine` the active account: stops the previous one's tasks, starts this one's,
    /// remembers the choice, and tells the UI.
    pub fn activate(&self, app: &AppHandle, engine: Engine) {
        self.deactivate();
        // Subscribe before the loops start, or their first state changes could be sent
        // before anyone listens (the UI then showed "Syncing…" forever).
        let events = engine.events();
        let tasks = vec![
            tauri::async_runtime::spawn(forward(app.clone(), engine.clone(), events)),
            tauri::async_runtime::spawn({
                let engine = engine.clone();
                async move {
                    let e = engine.run_realtime().await;
                    tracing::warn!(error = %e, "realtime loop ended");
                }
            }),
            tauri::async_runtime::spawn({
                let engine = engine.clone();
                async move {
                    let e = engine.run_outbox().await;
                    tracing::warn!(error = %e, "outbox task ended");
                }
            }),
        ];
        let label = engine.account().label();
        if let Ok(mut settings) = self.settings.lock() {
            settings.active_account = Some(label.clone());
            let _ = settings.save(&self.home);
        }
        if let Ok(mut active) = self.active.lock() {
            *active = Some(Active { engine, tasks });
        }
        emit(
            app,
            vec![UiEvent::Account {
                active: Some(label),
            }],
        );
    }

    pub fn deactivate(&self) {
        if let Ok(mut active) = self.active.lock()
            && let Some(previous) = active.take()
        {
            for task in previous.tasks {
                task.abort();
            }
        }
    }

    /// At start-up: opens the remembered account (or the only one). Works offline: the
    /// engine reads its cache; the realtime loop keeps trying to connect.
    pub fn restore(&self, app: &AppHandle) -> anyhow::Result<()> {
        let accounts = Accounts::load(&self.home)?;
        let wanted = self
            .settings
            .lock()
            .ok()
            .and_then(|s| s.active_account.clone());
        let account = match wanted.and_then(|w| accounts.select(Some(&w)).ok()) {
            Some(account) => account,
            None => match accounts.accounts.first() {
                Some(first) => first.clone(),
                None => return Ok(()),
            },
        };
        let engine = Engine::open(&self.home, account)?;
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
        self.activate(app, engine);
        Ok(())
    }
}

/// Forwards engine batches to the UI; notifies about new messages from others while the
/// window is not focused; keeps the tray's unread count current.
async fn forward(
    app: AppHandle,
    engine: Engine,
    mut events: tokio::sync::broadcast::Receiver<Vec<EngineEvent>>,
) {
    let state = *engine.state().borrow();
    emit(&app, vec![UiEvent::State { state }]);
    loop {
        let batch = match events.recv().await {
            Ok(batch) => batch,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                // Missed some: have the UI reload from the cache.
                emit(
                    &app,
                    vec![UiEvent::Account {
                        active: Some(engine.account().label()),
                    }],
                );
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        };
        let applied = batch
            .iter()
            .any(|e| matches!(e, EngineEvent::Applied { .. }));
        tracing::debug!(events = batch.len(), "forwarding to the UI");
        crate::notify::new_messages(&app, &engine, &batch).await;
        emit(&app, batch.into_iter().map(UiEvent::from).collect());
        if applied {
            crate::tray::update_unread(&app, &engine).await;
        }
    }
}
