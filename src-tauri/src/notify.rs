//! Desktop notifications for new messages while the window is in the background. Clicking one
//! shows the window on that conversation.
//!
//! On Linux and the BSDs the notification goes straight to the freedesktop notification
//! service (notify-rust), whose default action reports the click. The notification plugin
//! shows them elsewhere; it reports no clicks on desktop platforms, so there a click only
//! brings whatever the OS brings (the app).

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use parley_client::{
    Engine, EngineEvent,
    protocol::{ConversationId, Message, MessageId, UserId},
};
use tauri::{AppHandle, Manager};

/// More new messages than this in one batch become one summary notification.
const SEPARATE_MAX: usize = 3;
/// How long a shown notification's click is listened for (each listener holds a D-Bus
/// connection), and how many may listen at once.
const CLICK_WAIT: Duration = Duration::from_secs(15 * 60);
const CLICK_WAITERS_MAX: usize = 16;

/// Per account and conversation, the highest `seq` already notified: a reaction or any other
/// change to an older message never announces it again.
static NOTIFIED: Mutex<Option<HashMap<(String, ConversationId), i64>>> = Mutex::new(None);
static WAITERS: AtomicUsize = AtomicUsize::new(0);

/// One notification to show.
struct Note {
    /// The account it is for (a click brings that account on screen).
    account: String,
    title: String,
    body: String,
    conversation: Option<ConversationId>,
    /// The one message it announces: a click opens the conversation at it.
    message: Option<(MessageId, i64)>,
}

/// Shows notifications for the new messages in `batch` (others', not edits or deletions)
/// unless the window is focused on this account. A first-sign-in backfill is history, not
/// news: nothing.
pub async fn new_messages(app: &AppHandle, engine: &Engine, batch: &[EngineEvent]) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    let account = engine.account().label();
    let on_screen = app
        .state::<crate::session::Shell>()
        .active_label()
        .as_deref()
        == Some(&account);
    if (focused && on_screen)
        || batch
            .iter()
            .any(|e| matches!(e, EngineEvent::Backfill { .. }))
    {
        return;
    }
    let me = engine.account().user_id.clone();
    let Ok(conversations) = engine.conversations().await else {
        return;
    };
    let mut fresh = Vec::new();
    for event in batch {
        let EngineEvent::Applied { summary } = event else {
            continue;
        };
        for (conversation, ids) in &summary.messages {
            // Only what is unread and newer than anything announced before, and what the
            // conversation's own settings let through (muted, mentions only, nothing).
            let cached = conversations
                .iter()
                .find(|c| &c.conversation.id == conversation);
            let read = cached.map_or(0, |c| c.conversation.last_read_seq);
            let now = chrono::Utc::now();
            let Ok(messages) = engine.messages(conversation, 50).await else {
                continue;
            };
            let mut notified = NOTIFIED.lock().unwrap_or_else(|e| e.into_inner());
            let highest = notified
                .get_or_insert_with(HashMap::new)
                .entry((account.clone(), conversation.clone()))
                .or_insert(0);
            let changed = messages
                .into_iter()
                .map(|m| m.message)
                .filter(|m| ids.contains(&m.id))
                .filter(|m| cached.is_none_or(|c| c.conversation.notifies(m, &me, now)));
            fresh.extend(announce(changed, &me, read, highest));
        }
    }
    let notes = if fresh.len() > SEPARATE_MAX {
        let first = fresh[0].conversation_id.clone();
        let one_conversation = fresh.iter().all(|m| m.conversation_id == first);
        vec![Note {
            account: account.clone(),
            title: "Parley".to_owned(),
            body: format!("{} new messages", fresh.len()),
            conversation: one_conversation.then_some(first),
            message: None,
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
                account: account.clone(),
                title,
                body,
                message: Some((m.id.clone(), m.seq)),
                conversation: Some(m.conversation_id),
            });
        }
        notes
    };
    for note in notes {
        show(app, note).await;
    }
}

/// Of one conversation's changed messages, those to announce: someone else's, not deleted or
/// edited, unread (above `read`) and above the highest `seq` announced before, which moves up.
fn announce(
    changed: impl Iterator<Item = Message>,
    me: &UserId,
    read: i64,
    highest: &mut i64,
) -> Vec<Message> {
    let floor = (*highest).max(read);
    let news: Vec<Message> = changed
        .filter(|m| m.seq > floor && &m.sender_id != me && !m.deleted && m.edited_at.is_none())
        .collect();
    if let Some(top) = news.iter().map(|m| m.seq).max() {
        *highest = (*highest).max(top);
    }
    news
}

/// Brings the window up on `account`'s `conversation`, at `message` when it announced one
/// (a notification was clicked).
fn open(
    app: &AppHandle,
    account: &str,
    conversation: Option<ConversationId>,
    message: Option<(MessageId, i64)>,
) {
    crate::tray::show_window(app);
    let shell = app.state::<crate::session::Shell>();
    if shell.active_label().as_deref() != Some(account)
        && let Err(e) = shell.switch_to(app, account)
    {
        tracing::warn!(error = %e.message, "could not show the notified account");
        return;
    }
    if let Some(conversation_id) = conversation {
        crate::events::emit(
            app,
            vec![crate::events::UiEvent::OpenConversation {
                conversation_id,
                message_id: message.as_ref().map(|(id, _)| id.clone()),
                seq: message.map(|(_, seq)| seq),
            }],
        );
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
async fn show(app: &AppHandle, note: Note) {
    // Servers with `body-markup` read the body as markup: message text must stay text.
    let shown = notify_rust::Notification::new()
        .appname("Parley")
        .summary(&note.title)
        .body(&escape_markup(&note.body))
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
    if WAITERS.fetch_add(1, Ordering::AcqRel) >= CLICK_WAITERS_MAX {
        // Enough listeners already: this one is shown, its click just isn't followed.
        WAITERS.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let app = app.clone();
    // Waits until the notification is clicked or closed (the service forgets it then), for
    // a while at most: the handle holds a D-Bus connection.
    tauri::async_runtime::spawn(async move {
        let mut clicked = false;
        let wait = handle.wait_for_action_async(|response| {
                clicked = matches!(
                    response,
                    notify_rust::NotificationResponse::Default
                ) || matches!(response, notify_rust::NotificationResponse::Action(a) if a == "default");
            });
        let _ = tokio::time::timeout(CLICK_WAIT, wait).await;
        drop(handle);
        WAITERS.fetch_sub(1, Ordering::AcqRel);
        if clicked {
            open(&app, &note.account, note.conversation, note.message);
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

/// `&`, `<` and `>` as entities (the freedesktop body-markup subset).
#[cfg(all(unix, not(target_os = "macos")))]
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use parley_client::protocol::{ConversationId, Message, MessageId, UserId};

    fn msg(seq: i64, sender: &str) -> Message {
        Message {
            id: MessageId::new(format!("m{seq}")),
            conversation_id: ConversationId::new("c".to_owned()),
            sender_id: UserId::new(sender.to_owned()),
            client_id: uuid::Uuid::new_v4(),
            seq,
            body: format!("message {seq}"),
            reply_to: None,
            created_at: chrono::Utc::now(),
            edited_at: None,
            deleted: false,
            reactions: vec![],
            attachments: vec![],
            mentions: vec![],
        }
    }

    fn seqs(list: &[Message]) -> Vec<i64> {
        list.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn each_message_is_announced_once_and_only_if_news() {
        let me = UserId::new("me".to_owned());
        let mut highest = 0;
        let first = super::announce(
            [msg(3, "bob"), msg(4, "me"), msg(5, "bob")].into_iter(),
            &me,
            2,
            &mut highest,
        );
        assert_eq!(seqs(&first), [3, 5], "others' unread messages, not mine");
        assert_eq!(highest, 5);
        // A reaction (or any change) to message 5 touches it again: not news.
        let again = super::announce([msg(5, "bob")].into_iter(), &me, 2, &mut highest);
        assert!(again.is_empty(), "announced once");
        let mut edited = msg(6, "bob");
        edited.edited_at = Some(chrono::Utc::now());
        let mut deleted = msg(7, "bob");
        deleted.deleted = true;
        let more = super::announce(
            [edited, deleted, msg(8, "bob")].into_iter(),
            &me,
            2,
            &mut highest,
        );
        assert_eq!(seqs(&more), [8], "edits and deletions are not news");
        let mut fresh_start = 0;
        let read = super::announce([msg(9, "bob")].into_iter(), &me, 9, &mut fresh_start);
        assert!(read.is_empty(), "already read elsewhere: not news");
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn message_text_is_not_markup() {
        assert_eq!(
            super::escape_markup("a<b> & <img src=x>"),
            "a&lt;b&gt; &amp; &lt;img src=x&gt;"
        );
    }
}
