//! The commands the UI invokes: one-liners over the engine. Each returns
//! `Result<T, CommandError>`, which crosses IPC as `{code, message}`.

use parley_client::ErrorCode;
use parley_client::{
    ConnectionState, Engine,
    accounts::{Account, Accounts},
    api,
    cache::{CachedConversation, CachedMessage, OutboxEntry, Page, StagedAttachment},
    downloads::DownloadsUsage,
    export::ExportFormat,
    protocol::{
        AttachmentId, ConversationId, ConversationKind, CreateConversationRequest, LoginRequest,
        Message, MessageId, Notify, RegisterRequest, Role, SecretString, SessionId, SessionInfo,
        User, UserId,
    },
};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::{
    error::{CommandError, CommandResult},
    events::{UiEvent, emit},
    session::Shell,
    settings::Settings,
};

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountInfo {
    /// `username@host`, the key for `switch_account`.
    label: String,
    server: String,
    username: String,
    user_id: UserId,
    /// Unread messages outside muted conversations (0 for an account not live).
    unread: i64,
}

impl From<&Account> for AccountInfo {
    fn from(a: &Account) -> Self {
        Self {
            label: a.label(),
            server: a.server.clone(),
            username: a.username.clone(),
            user_id: a.user_id.clone(),
            unread: 0,
        }
    }
}

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SessionState {
    accounts: Vec<AccountInfo>,
    active: Option<String>,
    connection: ConnectionState,
    user: Option<User>,
}

#[tauri::command]
pub async fn session_state(shell: State<'_, Shell>) -> CommandResult<SessionState> {
    let accounts = Accounts::load(&shell.home)?;
    let (connection, user) = match shell.engine() {
        Ok(engine) => {
            let me = engine.account().user_id.clone();
            let state = *engine.state().borrow();
            (state, engine.user(&me).await?)
        }
        Err(_) => (ConnectionState::Offline, None),
    };
    let mut infos = Vec::new();
    for account in &accounts.accounts {
        let mut info = AccountInfo::from(account);
        if let Some(engine) = shell.live(&info.label) {
            info.unread = crate::tray::unread_of(&engine).await;
        }
        infos.push(info);
    }
    Ok(SessionState {
        accounts: infos,
        active: shell.active_label(),
        connection,
        user,
    })
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    shell: State<'_, Shell>,
    server: String,
    username: String,
    password: String,
) -> CommandResult<AccountInfo> {
    let server = api::normalize_server(&server)?;
    let request = LoginRequest {
        username,
        password: SecretString::new(password),
        device_name: Some(device_name()),
    };
    let auth = api::login(&server, &request).await?;
    start(&app, &shell, &server, auth).await
}

#[tauri::command]
pub async fn create_account(
    app: AppHandle,
    shell: State<'_, Shell>,
    server: String,
    username: String,
    password: String,
    display_name: Option<String>,
) -> CommandResult<AccountInfo> {
    let server = api::normalize_server(&server)?;
    let display_name = display_name.filter(|d| !d.trim().is_empty());
    let request = RegisterRequest {
        username,
        password: SecretString::new(password),
        display_name,
        device_name: Some(device_name()),
    };
    let auth = api::register(&server, &request).await?;
    start(&app, &shell, &server, auth).await
}

async fn start(
    app: &AppHandle,
    shell: &Shell,
    server: &str,
    auth: parley_client::protocol::AuthResponse,
) -> CommandResult<AccountInfo> {
    let engine = Engine::sign_in(&shell.home, server, auth).await?;
    let info = AccountInfo::from(engine.account());
    shell.activate(app, engine);
    Ok(info)
}

fn device_name() -> String {
    format!("Parley desktop ({})", std::env::consts::OS)
}

#[tauri::command]
pub async fn sign_out(app: AppHandle, shell: State<'_, Shell>) -> CommandResult<()> {
    let engine = shell.engine()?;
    engine.logout().await?;
    let label = engine.account().label();
    let next = shell.stop(&label);
    let mut accounts = Accounts::load(&shell.home)?;
    accounts.remove(&label);
    accounts.save(&shell.home)?;
    let next = match (next, accounts.accounts.first()) {
        (Some(live), _) => Some(live),
        (None, Some(account)) => Some(Engine::open(&shell.home, account.clone())?),
        (None, None) => None,
    };
    match next {
        Some(engine) => shell.activate(&app, engine),
        None => emit(&app, vec![UiEvent::Account { active: None }]),
    }
    crate::tray::update_unread(&app).await;
    Ok(())
}

#[tauri::command]
pub async fn switch_account(
    app: AppHandle,
    shell: State<'_, Shell>,
    label: String,
) -> CommandResult<()> {
    shell.switch_to(&app, &label)
}

#[tauri::command]
pub async fn conversations(shell: State<'_, Shell>) -> CommandResult<Vec<CachedConversation>> {
    Ok(shell.engine()?.conversations().await?)
}

#[tauri::command]
pub async fn messages(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    before: Option<i64>,
    limit: usize,
) -> CommandResult<Vec<CachedMessage>> {
    let limit = limit.clamp(1, 500);
    let engine = shell.engine()?;
    match before {
        Some(before) => Ok(engine
            .older_messages(&conversation_id, before, limit)
            .await?),
        None => Ok(engine
            .with_cache_async(move |c| c.messages(&conversation_id, Page::Latest, limit))
            .await?),
    }
}

#[tauri::command]
pub async fn send_message(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    body: String,
    reply_to: Option<MessageId>,
    staged_ids: Option<Vec<uuid::Uuid>>,
) -> CommandResult<OutboxEntry> {
    let staged_ids = staged_ids.unwrap_or_default();
    Ok(shell
        .engine()?
        .compose_with(&conversation_id, &body, reply_to, &staged_ids)
        .await?)
}

#[tauri::command]
pub async fn retry_message(shell: State<'_, Shell>, client_id: uuid::Uuid) -> CommandResult<()> {
    let engine = shell.engine()?;
    engine
        .with_cache_async(move |c| c.outbox_retry(client_id))
        .await?;
    engine.wake_outbox();
    Ok(())
}

#[tauri::command]
pub async fn discard_message(shell: State<'_, Shell>, client_id: uuid::Uuid) -> CommandResult<()> {
    shell.engine()?.discard_message(client_id).await?;
    Ok(())
}

#[tauri::command]
pub async fn edit_message(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    message_id: MessageId,
    body: String,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .edit_message(&conversation_id, &message_id, &body)
        .await?)
}

#[tauri::command]
pub async fn delete_message(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    message_id: MessageId,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .delete_message(&conversation_id, &message_id)
        .await?)
}

#[tauri::command]
pub async fn react(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    message_id: MessageId,
    emoji: String,
    on: bool,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .react(&conversation_id, &message_id, &emoji, on)
        .await?)
}

#[tauri::command]
pub async fn mark_read(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    seq: i64,
) -> CommandResult<()> {
    Ok(shell.engine()?.mark_read(&conversation_id, seq).await?)
}

#[tauri::command]
pub async fn find_users(shell: State<'_, Shell>, query: String) -> CommandResult<Vec<User>> {
    Ok(shell.engine()?.api().await?.find_users(&query).await?)
}

#[tauri::command]
pub async fn user(shell: State<'_, Shell>, id: UserId) -> CommandResult<Option<User>> {
    Ok(shell.engine()?.user(&id).await?)
}

#[tauri::command]
pub async fn create_conversation(
    shell: State<'_, Shell>,
    kind: ConversationKind,
    title: Option<String>,
    member_ids: Vec<UserId>,
) -> CommandResult<ConversationId> {
    let request = CreateConversationRequest {
        kind,
        title,
        member_ids,
    };
    Ok(shell.engine()?.create_conversation(&request).await?)
}

/// Changes the display name and/or whether others see when the user is online.
#[tauri::command]
pub async fn update_profile(
    shell: State<'_, Shell>,
    display_name: Option<String>,
    show_presence: Option<bool>,
) -> CommandResult<User> {
    Ok(shell
        .engine()?
        .update_profile(display_name, show_presence)
        .await?)
}

/// Changes the password; every other session of the account is signed out.
#[tauri::command]
pub async fn change_password(
    shell: State<'_, Shell>,
    current_password: String,
    new_password: String,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .change_password(
            SecretString::new(current_password),
            SecretString::new(new_password),
        )
        .await?)
}

/// The user is typing: the other members hear of it (throttled by the engine).
#[tauri::command]
pub async fn typing(shell: State<'_, Shell>, conversation_id: ConversationId) -> CommandResult<()> {
    shell.engine()?.typing(&conversation_id);
    Ok(())
}

#[tauri::command]
pub async fn rename_conversation(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    title: String,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .rename_conversation(&conversation_id, &title)
        .await?)
}

#[tauri::command]
pub async fn add_member(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    user_id: UserId,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .add_member(&conversation_id, &user_id)
        .await?)
}

/// Removes a member, or leaves when `user_id` is the account's own.
#[tauri::command]
pub async fn remove_member(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    user_id: UserId,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .remove_member(&conversation_id, &user_id)
        .await?)
}

#[tauri::command]
pub async fn set_role(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    user_id: UserId,
    role: Role,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .set_role(&conversation_id, &user_id, role)
        .await?)
}

/// The account's own notification settings for a conversation.
#[tauri::command]
pub async fn set_conversation_settings(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    notify: Notify,
    muted_until: Option<chrono::DateTime<chrono::Utc>>,
) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .set_notifications(&conversation_id, notify, muted_until)
        .await?)
}

/// "Mark as unread" (`on`), or clear it.
#[tauri::command]
pub async fn mark_unread(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    on: bool,
) -> CommandResult<()> {
    Ok(shell.engine()?.mark_unread(&conversation_id, on).await?)
}

#[tauri::command]
pub async fn search(
    shell: State<'_, Shell>,
    query: String,
    conversation_id: Option<ConversationId>,
) -> CommandResult<Vec<Message>> {
    Ok(shell
        .engine()?
        .search_local(&query, conversation_id, 50)
        .await?)
}

/// The server's search, merged by the UI into the local results; an error offline.
#[tauri::command]
pub async fn search_server(
    shell: State<'_, Shell>,
    query: String,
    conversation_id: Option<ConversationId>,
) -> CommandResult<Vec<Message>> {
    Ok(shell
        .engine()?
        .search_server(&query, conversation_id.as_ref(), 50)
        .await?)
}

#[tauri::command]
pub async fn sessions(shell: State<'_, Shell>) -> CommandResult<Vec<SessionInfo>> {
    Ok(shell.engine()?.api().await?.sessions().await?)
}

#[tauri::command]
pub async fn revoke_session(shell: State<'_, Shell>, session_id: SessionId) -> CommandResult<()> {
    Ok(shell
        .engine()?
        .api()
        .await?
        .revoke_session(&session_id)
        .await?)
}

#[tauri::command]
pub async fn get_draft(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
) -> CommandResult<String> {
    Ok(shell.engine()?.draft(&conversation_id).await?)
}

#[tauri::command]
pub async fn set_draft(
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
    text: String,
) -> CommandResult<()> {
    Ok(shell.engine()?.set_draft(&conversation_id, &text).await?)
}

#[tauri::command]
pub fn settings(shell: State<'_, Shell>) -> CommandResult<Settings> {
    shell
        .settings
        .lock()
        .map(|s| s.clone())
        .map_err(|_| CommandError::new(ErrorCode::Internal, "settings lock poisoned"))
}

#[tauri::command]
pub fn set_settings(shell: State<'_, Shell>, settings: Settings) -> CommandResult<()> {
    let mut current = shell
        .settings
        .lock()
        .map_err(|_| CommandError::new(ErrorCode::Internal, "settings lock poisoned"))?;
    current.close_to_tray = settings.close_to_tray;
    current.theme = settings.theme;
    let smaller = settings.downloads_cap_mb < current.downloads_cap_mb;
    current.downloads_cap_mb = settings.downloads_cap_mb.max(1);
    current.save(&shell.home)?;
    let cap = current.downloads_cap();
    drop(current);
    if smaller {
        for engine in shell.engines() {
            trim_downloads_later(engine, cap);
        }
    }
    Ok(())
}

/// Keeps an account's downloads within `cap`, in the background.
pub fn trim_downloads_later(engine: Engine, cap: u64) {
    tauri::async_runtime::spawn(async move {
        if let Err(e) = engine.trim_downloads(cap).await {
            tracing::warn!(error = %e, "could not trim the downloaded files");
        }
    });
}

fn downloads_cap(shell: &Shell) -> u64 {
    shell
        .settings
        .lock()
        .map(|s| s.downloads_cap())
        .unwrap_or(crate::settings::DOWNLOADS_CAP_MB * 1024 * 1024)
}

/// What the account's downloaded files take (shown in Settings).
#[tauri::command]
pub async fn downloads(shell: State<'_, Shell>) -> CommandResult<DownloadsUsage> {
    Ok(shell.engine()?.downloads_usage().await?)
}

/// `Clear downloaded files`: they download again when opened online.
#[tauri::command]
pub async fn clear_downloads(shell: State<'_, Shell>) -> CommandResult<DownloadsUsage> {
    Ok(shell.engine()?.trim_downloads(0).await?)
}

#[tauri::command]
pub fn reconnect_now(shell: State<'_, Shell>) -> CommandResult<()> {
    shell.engine()?.reconnect_now();
    Ok(())
}

/// Opens an http(s) or mailto link from a message in the system browser or mail app (never
/// in the webview).
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> CommandResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let lower = url.to_ascii_lowercase();
    let allowed = ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme));
    if !allowed || url.len() > 8192 || url.chars().any(char::is_control) {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "only http(s) and mailto links open",
        ));
    }
    let url = if lower.starts_with("mailto:") {
        without_attachments(&url)
    } else {
        url
    };
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
}

/// A `mailto:` link minus any `attach`/`attachment` fields, which some mail apps honour by
/// attaching a local file to the message they compose.
fn without_attachments(mailto: &str) -> String {
    let Some((address, query)) = mailto.split_once('?') else {
        return mailto.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|field| {
            let key = field.split('=').next().unwrap_or_default();
            let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            !key.trim().to_ascii_lowercase().starts_with("attach")
        })
        .collect();
    if kept.is_empty() {
        address.to_owned()
    } else {
        format!("{address}?{}", kept.join("&"))
    }
}

/// Stages a file dropped or picked in the composer. A raw-body invoke: the body is the file's
/// bytes, `x-parley-name` its percent-encoded name, `x-parley-content-type` its type (when
/// the webview knows it; otherwise the engine goes by the name).
#[tauri::command]
pub async fn stage_attachment(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> CommandResult<StagedAttachment> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "send the file's bytes as the raw invoke body",
        ));
    };
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let name = percent_encoding::percent_decode_str(header("x-parley-name"))
        .decode_utf8_lossy()
        .into_owned();
    // Not `Content-Type`: Tauri sets that to application/octet-stream for every raw body.
    let content_type = header("x-parley-content-type").to_owned();
    let bytes = bytes.clone();
    Ok(shell
        .engine()?
        .stage_attachment(&name, &content_type, bytes)
        .await?)
}

#[tauri::command]
pub async fn discard_staged(shell: State<'_, Shell>, staged_id: uuid::Uuid) -> CommandResult<()> {
    Ok(shell.engine()?.discard_staged(staged_id).await?)
}

/// The thumbnail's bytes as an `ArrayBuffer`; `not_found` when the attachment is no image.
#[tauri::command]
pub async fn attachment_thumbnail(
    shell: State<'_, Shell>,
    attachment_id: AttachmentId,
) -> CommandResult<tauri::ipc::Response> {
    let bytes = shell.engine()?.attachment_thumbnail(&attachment_id).await?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// A picture's full bytes for the `Image viewer` (downloaded once, then read from the
/// account's files); anything but an image is refused.
#[tauri::command]
pub async fn attachment_image(
    shell: State<'_, Shell>,
    attachment_id: AttachmentId,
) -> CommandResult<tauri::ipc::Response> {
    let engine = shell.engine()?;
    let path = engine.attachment_file(&attachment_id).await?;
    let image = engine
        .attachment_meta(&attachment_id)
        .await?
        .is_some_and(|a| a.content_type.starts_with("image/"));
    if !image {
        return Err(CommandError::new(
            ErrorCode::Invalid,
            "only pictures open in the image viewer",
        ));
    }
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        CommandError::new(ErrorCode::Internal, format!("cannot read the picture: {e}"))
    })?;
    trim_downloads_later(engine, downloads_cap(&shell));
    Ok(tauri::ipc::Response::new(bytes))
}

/// Downloads the attachment if needed and opens it with the system's default application.
#[tauri::command]
pub async fn open_attachment(
    app: AppHandle,
    shell: State<'_, Shell>,
    attachment_id: AttachmentId,
) -> CommandResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let engine = shell.engine()?;
    let path = engine.attachment_file(&attachment_id).await?;
    trim_downloads_later(engine, downloads_cap(&shell));
    if !opens_safely(&path) {
        return Err(CommandError::new(
            ErrorCode::UnsafeFile,
            "Parley opens pictures, audio, video, PDFs and plain text only: save this file \
             and open it from your file manager if you trust it",
        ));
    }
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
}

/// Kinds of file whose default application only shows them. Everything else (programs,
/// scripts, shortcuts, installers, disk images, documents with macros…) is saved, not
/// opened: a click on a message must never run what a stranger sent. An allow-list, because
/// the list of types that run something is long and differs per OS.
fn opens_safely(path: &std::path::Path) -> bool {
    const SAFE: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "webp", "bmp", "avif", "heic", "tif", "tiff", "mp3", "m4a",
        "ogg", "oga", "opus", "flac", "wav", "mp4", "m4v", "webm", "mkv", "mov", "pdf", "txt",
        "log", "md", "csv",
    ];
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SAFE.contains(&e.to_ascii_lowercase().as_str()))
}

/// The Downloads folder, else the home folder.
fn downloads_folder(app: &AppHandle) -> CommandResult<std::path::PathBuf> {
    use tauri::Manager;
    app.path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .map_err(|e| CommandError::new(ErrorCode::Internal, format!("no Downloads folder: {e}")))
}

/// Saves the attachment into the Downloads folder (the home folder if there is none) under
/// a name no file has yet; returns where.
#[tauri::command]
pub async fn save_attachment(
    app: AppHandle,
    shell: State<'_, Shell>,
    attachment_id: AttachmentId,
) -> CommandResult<String> {
    let dir = downloads_folder(&app)?;
    let path = shell
        .engine()?
        .save_attachment(&attachment_id, &dir)
        .await?;
    Ok(path.to_string_lossy().into_owned())
}

/// `Cancel upload`: stops a pending message's upload and discards the message; false when
/// it was sent meanwhile.
#[tauri::command]
pub async fn cancel_upload(shell: State<'_, Shell>, client_id: uuid::Uuid) -> CommandResult<bool> {
    Ok(shell.engine()?.cancel_upload(client_id).await?)
}

/// `Export conversation`: the whole history (older messages fetched when online) as one
/// self-contained HTML page, `TITLE.html` in the Downloads folder, never overwriting a file;
/// returns where.
#[tauri::command]
pub async fn export_conversation(
    app: AppHandle,
    shell: State<'_, Shell>,
    conversation_id: ConversationId,
) -> CommandResult<String> {
    let dir = downloads_folder(&app)?;
    let engine = shell.engine()?;
    let online = *engine.state().borrow() == ConnectionState::Online;
    let (path, _) = engine
        .export_to_dir(&conversation_id, ExportFormat::Html, online, &dir)
        .await?;
    Ok(path.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_links_cannot_attach_files() {
        assert_eq!(
            without_attachments("mailto:a@b.c?subject=Hi&attach=/etc/passwd&body=x"),
            "mailto:a@b.c?subject=Hi&body=x"
        );
        assert_eq!(
            without_attachments("mailto:a@b.c?Att%61chment=~/.ssh/id_rsa"),
            "mailto:a@b.c"
        );
        assert_eq!(without_attachments("mailto:a@b.c"), "mailto:a@b.c");
    }

    #[test]
    fn only_viewable_files_are_opened() {
        let opens = |p: &str| opens_safely(std::path::Path::new(p));
        assert!(opens("/x/photo.PNG") && opens("/x/notes.txt") && opens("/x/spec.pdf"));
        for risky in [
            "setup.exe",
            "run.sh",
            "x.desktop",
            "a.url",
            "b.terminal",
            "c.iso",
            "noext",
        ] {
            assert!(!opens(&format!("/x/{risky}")), "{risky}");
        }
    }
}
