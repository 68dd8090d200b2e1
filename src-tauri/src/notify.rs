//! Desktop notifications for new messages while the window is in the background. Clicking one
//! shows the window on that conversation.
//!
//! On Linux and the BSDs the notification goes straight to the freedesktop notification
//! service (notify-rust), whose default action reports the click. The notification plugin
//! shows them elsewhere; it reports no clicks on desktop platforms, so there a click only
//! brings whatever the OS brings (the app).

use parley_client::{Engine, EngineEvent, protocol::ConversationId};
use tauri::{AppHandle, Manager};

/// More new messages than this in one batch become one summary notification.
const SEPARATE_MAX: usize = 3;

/// One notification to show.
struct Note {
    title: String,
    body: String,
    conversation: Option<ConversationId>,
}

/// Shows notifications for the new messages in `batch` (others', not edits or deletions)
/// unless the window is focused. A first-sign-in backfill is history, not news: nothing.
pub async fn new_messages(app: &AppHandle, engine: &Engine, batch: &[EngineEvent]) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if focused
        || batch
            .iter()
            .any(|e| matches!(e, EngineEvent::Backfill { .. }))
    {
        return;
    }
    let me = engine.account().user_id.clone();
    let mut fresh = Vec::new();
    for event in batch {
        let EngineEvent::Applied { summary } = event else {
            continue;
        };
        for (conversation, ids) in &summary.messages {
            let Ok(messages) = engine.messages(conversation, 50).await else {
                continue;
            };
            fresh.extend(
                messages
                    .into_iter()
                    .map(|m| m.message)
                    .filter(|m| ids.contains(&m.id))
                    .filter(|m| m.sender_id != me && !m.deleted && m.edited_at.is_none()),
            );
        }
    }
    let notes = if fresh.len() > SEPARATE_MAX {
        let first = fresh[0].conversation_id.clone();
        let one_conversation = fresh.iter().all(|m| m.conversation_id == first);
        vec![Note {
            title: "Parley".to_owned(),
            body: format!("{} new messages", fresh.len()),
            conversation: one_conversation.then_some(first),
        }]
    } else {
        let mut notes = Vec::new();
        for m in fresh {
            let title = match engine.user(&m.sender_id).await {
                Ok(Some(user)) => user.display_name,
                _ => "New message".to_owned(),
            };
            let body = if m.body.trim().is_empty() && !m.attachments.is_empty() {
                "Sent an attachment".to_owned()
            } else {
                m.body.chars().take(140).collect()
            };
            notes.push(Note {
                title,
                body,
                conversation: Some(m.conversation_id),
            });
        }
        notes
    };
    for note in notes {
        show(app, note).await;
    }
}

/// Brings the window up on `conversation` (a notification was clicked).
fn open(app: &AppHandle, conversation: Option<ConversationId>) {
    crate::tray::show_window(app);
    if let Some(conversation_id) = conversation {
        crate::events::emit(
            app,
            vec![crate::events::UiEvent::OpenConversation { conversation_id }],
        );
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
async fn show(app: &AppHandle, note: Note) {
    let shown = notify_rust::Notification::new()
        .appname("Parley")
        .summary(&note.title)
        .body(&note.body)
        .action("default", "Open")
        .show_async()
        .await;
    let handle = match shown {
        Ok(handle) => handle,
        Err(e) => {
            tracing::debug!(error = %e, "notification not shown");
            return;
        }
    };
    let app = app.clone();
    // Waits until the notification is clicked or closed (the service forgets it then).
    tauri::async_runtime::spawn(async move {
        let mut clicked = false;
        handle
            .wait_for_action_async(|response| {
                clicked = matches!(
                    response,
                    notify_rust::NotificationResponse::Default
                ) || matches!(response, notify_rust::NotificationResponse::Action(a) if a == "default");
            })
            .await;
        if clicked {
            open(&app, note.conversation);
        }
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
async fn show(app: &AppHandle, note: Note) {
    use tauri_plugin_notification::NotificationExt;
    let _ = open; // clicks are not reported by the plugin on this platform
    if let Err(e) = app
        .notification()
        .builder()
        .title(note.title)
        .body(note.body)
        .show()
    {
        tracing::debug!(error = %e, "notification not shown");
    }
}
