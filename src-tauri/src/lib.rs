//! parley-desktop: a thin Tauri 2 shell over `parley-client`.
//!
//! The webview talks only to this process (its CSP allows nothing else); commands are
//! one-liners over the active account's [`Engine`](parley_client::Engine), and engine events
//! reach the UI as batches on one event name. The shell adds what only a desktop app has: a
//! tray icon with the unread count, notifications while the window is in the background,
//! one instance at a time, the window's size and place remembered, close-to-tray.

mod commands;
mod error;
mod events;
mod memory;
mod notify;
mod session;
mod settings;
mod tray;
#[cfg(test)]
mod ts_bindings;
mod window;

use tauri::{Manager, WindowEvent};

use crate::session::Shell;

/// Starts the app. `PARLEY_HOME` chooses where accounts and caches live (as for the CLI).
pub fn run() {
    // WebKit's and JavaScriptCore's environment: first thing, before any thread starts.
    memory::before_start();
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("PARLEY_LOG").unwrap_or_else(|_| "warn".into());
    // PARLEY_LOG_FILE: log there instead of stderr (a webview launched by a driver or the
    // desktop has no terminal to show stderr).
    let file = std::env::var_os("PARLEY_LOG_FILE").and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    });
    match file {
        Some(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init(),
        None => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
    parley_client::api::init_tls();
    let mut builder = tauri::Builder::default();
    // One instance per profile: the default profile is single-instance (a second launch
    // shows the running window); an explicit PARLEY_HOME is a separate profile that may run
    // alongside it (two accounts side by side, and the end-to-end tests' two users).
    if std::env::var_os("PARLEY_HOME").is_none() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app);
        }));
    }
    let result = builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(Shell::new(parley_client::accounts::default_home()))
        .setup(|app| {
            let handle = app.handle().clone();
            let started = std::time::Instant::now();
            memory::before_web_views();
            window::create_main(&handle)?;
            if let Err(e) = app.state::<Shell>().restore(&handle) {
                tracing::error!(error = %e, "could not open the signed-in account");
            }
            tracing::debug!(elapsed = ?started.elapsed(), "account restored");
            // The tray talks to the desktop over D-Bus: after the first paint's IPC, not
            // before it (the closure runs once the event loop is up).
            let tray_handle = handle.clone();
            let queued = handle.run_on_main_thread(move || {
                let started = std::time::Instant::now();
                if let Err(e) = tray::create(&tray_handle) {
                    tracing::warn!(error = %e, "no tray icon");
                }
                tracing::debug!(elapsed = ?started.elapsed(), "tray created");
                tauri::async_runtime::spawn(async move {
                    tray::update_unread(&tray_handle).await;
                });
            });
            if let Err(e) = queued {
                tracing::warn!(error = %e, "no tray icon");
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let shell = window.state::<Shell>();
                let to_tray = shell
                    .settings
                    .lock()
                    .map(|s| s.close_to_tray)
                    .unwrap_or(false);
                if to_tray {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::session_state,
            commands::sign_in,
            commands::create_account,
            commands::sign_out,
            commands::switch_account,
            commands::conversations,
            commands::messages,
            commands::send_message,
            commands::retry_message,
            commands::discard_message,
            commands::edit_message,
            commands::delete_message,
            commands::react,
            commands::mark_read,
            commands::mark_unread,
            commands::find_users,
            commands::user,
            commands::create_conversation,
            commands::typing,
            commands::update_profile,
            commands::change_password,
            commands::rename_conversation,
            commands::add_member,
            commands::remove_member,
            commands::set_role,
            commands::set_conversation_settings,
            commands::search,
            commands::search_server,
            commands::export_conversation,
            commands::attachment_image,
            commands::cancel_upload,
            commands::downloads,
            commands::clear_downloads,
            commands::sessions,
            commands::revoke_session,
            commands::get_draft,
            commands::set_draft,
            commands::settings,
            commands::set_settings,
            commands::reconnect_now,
            commands::open_external,
            commands::stage_attachment,
            commands::discard_staged,
            commands::attachment_thumbnail,
            commands::open_attachment,
            commands::save_attachment,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("parley-desktop: {e}");
        std::process::exit(1);
    }
}
