//! The tray icon: unread count in its tooltip, show/hide, quit.

use parley_client::Engine;
use tauri::{
    AppHandle, Manager,
    menu::{Menu, MenuItem},
    tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent},
};

const TRAY_ID: &str = "parley";

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "toggle", "Show / hide Parley", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Parley", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Parley")
        .menu(&menu)
        .show_menu_on_left_click(false);
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder
        .on_menu_event(|app, event| match event.id.as_ref() {
            "toggle" => toggle_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                toggle_window(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn toggle_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        if window.is_visible().unwrap_or(false) {
            let _ = window.hide();
        } else {
            show_window(app);
        }
    }
}

/// An account's unread total: muted conversations don't count.
pub async fn unread_of(engine: &Engine) -> i64 {
    let Ok(conversations) = engine.conversations().await else {
        return 0;
    };
    let now = chrono::Utc::now();
    conversations
        .iter()
        .filter(|c| !c.conversation.is_muted_at(now))
        .map(|c| c.conversation.unread_count)
        .sum()
}

/// Puts the unread count of every live account together in the tray tooltip.
pub async fn update_unread(app: &AppHandle) {
    let mut unread = 0;
    for engine in app.state::<crate::session::Shell>().engines() {
        unread += unread_of(&engine).await;
    }
    let tooltip = match unread {
        0 => "Parley".to_owned(),
        1 => "Parley — 1 unread message".to_owned(),
        n => format!("Parley — {n} unread messages"),
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(tooltip));
    }
}
