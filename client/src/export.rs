//! A conversation's whole history as a file to keep: JSON (for programs), Markdown (for
//! notes) or one self-contained HTML page (for people: readable in any browser, offline,
//! pictures embedded as thumbnails). `parley export` and the app's `Export conversation`.
//!
//! Bodies are text: the HTML page escapes everything (maud), so a message can't become markup.

use std::{
    collections::HashMap,
    fmt::Write as _,
    io::Write as _,
    path::{Path, PathBuf},
};

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use parley_protocol::{Attachment, ConversationId, Message, UserId};
use serde::Serialize;

use crate::{
    attachments::{create_unique, safe_component},
    cache::{CachedConversation, CachedMessage},
    engine::Engine,
    error::ClientResult,
};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExportFormat {
    Json,
    Md,
    Html,
}

impl ExportFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Md => "md",
            Self::Html => "html",
        }
    }
}

/// A conversation's history, rendered.
pub struct Export {
    /// The conversation's title (a group's name, or the other person's).
    pub title: String,
    /// The file's contents.
    pub contents: String,
    /// How many messages it holds.
    pub messages: usize,
    /// False when history older than the cache could not be fetched (offline).
    pub complete: bool,
}

/// How many messages one page of history fetching asks for.
const PAGE: usize = 500;

impl Engine {
    /// The whole history of `id`, oldest first (sent messages only): the cache, plus whatever
    /// it lacks fetched from the server when `online`. The flag says whether it reaches the
    /// conversation's first message.
    pub async fn full_history(
        &self,
        id: &ConversationId,
        online: bool,
    ) -> ClientResult<(Vec<Message>, bool)> {
        if online {
            // Each page fills in from the server what the cache lacks below `lowest`.
            let newest = self.recent_messages(id, PAGE).await?;
            let mut lowest = lowest_seq(&newest).unwrap_or(1);
            while lowest > 1 {
                let page = self.older_messages(id, lowest, PAGE).await?;
                match lowest_seq(&page) {
                    Some(seq) if seq < lowest => lowest = seq,
                    _ => break, // nothing older to be had
                }
            }
        }
        let all = self.messages(id, usize::MAX).await?;
        let mut sent: Vec<Message> = all
            .into_iter()
            .filter(CachedMessage::is_sent)
            .map(|m| m.message)
            .collect();
        sent.sort_by_key(|m| m.seq);
        // From the first message, or as far back as the server had for this member (who
        // may have joined late).
        let complete = online || sent.first().is_none_or(|m| m.seq <= 1);
        Ok((sent, complete))
    }

    /// `id`'s whole history rendered as `format`.
    pub async fn export(
        &self,
        id: &ConversationId,
        format: ExportFormat,
        online: bool,
    ) -> ClientResult<Export> {
        let conversation = self.resolve(id.as_str()).await?;
        let (messages, complete) = self.full_history(id, online).await?;
        let mut names = HashMap::new();
        for user in messages
            .iter()
            .map(|m| &m.sender_id)
            .chain(conversation.conversation.members.iter().map(|m| &m.user_id))
        {
            if !names.contains_key(user) {
                let name = match self.user(user).await? {
                    Some(u) if !u.display_name.is_empty() => u.display_name,
                    Some(u) => u.username,
                    None => user.to_string(),
                };
                names.insert(user.clone(), name);
            }
        }
        let view = View {
            conversation: &conversation,
            messages: &messages,
            names: &names,
            complete,
        };
        let contents = match format {
            ExportFormat::Json => view.json()?,
            ExportFormat::Md => view.markdown(),
            ExportFormat::Html => {
                let mut thumbnails = HashMap::new();
                for a in messages.iter().flat_map(|m| &m.attachments) {
                    if a.content_type.starts_with("image/")
                        && let Ok(bytes) = self.attachment_thumbnail(&a.id).await
                        && let Some(mime) = image_mime(&bytes)
                    {
                        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
                        thumbnails.insert(a.id.to_string(), format!("data:{mime};base64,{data}"));
                    }
                }
                view.html(&thumbnails)
            }
        };
        Ok(Export {
            title: conversation.display_title.clone(),
            contents,
            messages: messages.len(),
            complete,
        })
    }

    /// [`Engine::export`] written into `dir` as `TITLE.EXT` (or `TITLE (1).EXT`, … — never
    /// overwriting a file). Returns the new file's path.
    pub async fn export_to_dir(
        &self,
        id: &ConversationId,
        format: ExportFormat,
        online: bool,
        dir: &Path,
    ) -> ClientResult<(PathBuf, Export)> {
        let export = self.export(id, format, online).await?;
        let name = format!("{}.{}", safe_component(&export.title), format.extension());
        let (dir, contents) = (dir.to_owned(), export.contents.clone());
        let path = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let (path, mut file) = create_unique(&dir, &name)?;
            let written = file
                .write_all(contents.as_bytes())
                .and_then(|()| file.sync_all());
            if let Err(e) = written {
                let _ = std::fs::remove_file(&path);
                anyhow::bail!("cannot write {}: {e}", path.display());
            }
            Ok::<_, anyhow::Error>(path)
        })
        .await??;
        Ok((path, export))
    }
}

fn lowest_seq(page: &[CachedMessage]) -> Option<i64> {
    page.iter()
        .filter(|m| m.is_sent())
        .map(|m| m.message.seq)
        .min()
}

/// What an export shows, whatever its format.
struct View<'a> {
    conversation: &'a CachedConversation,
    messages: &'a [Message],
    names: &'a HashMap<UserId, String>,
    complete: bool,
}

impl View<'_> {
    fn name<'s>(&'s self, id: &'s UserId) -> &'s str {
        self.names.get(id).map_or(id.as_str(), String::as_str)
    }

    fn quoted(&self, id: &parley_protocol::MessageId) -> Option<&Message> {
        self.messages.iter().find(|m| &m.id == id)
    }

    fn json(&self) -> ClientResult<String> {
        #[derive(Serialize)]
        struct Doc<'a> {
            conversation: &'a parley_protocol::Conversation,
            title: &'a str,
            /// User id → display name (else username), for everyone named in it.
            people: &'a HashMap<UserId, String>,
            complete: bool,
            exported_at: DateTime<Utc>,
            messages: &'a [Message],
        }
        let doc = Doc {
            conversation: &self.conversation.conversation,
            title: &self.conversation.display_title,
            people: self.names,
            complete: self.complete,
            exported_at: Utc::now(),
            messages: self.messages,
        };
        Ok(serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?)
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.conversation.display_title);
        if !self.complete {
            out.push_str(
                "_Older messages could not be fetched (offline): this is what the device had._\n\n",
            );
        }
        for m in self.messages {
            let _ = writeln!(
                out,
                "**{}** · {}  ",
                self.name(&m.sender_id),
                stamp(m.created_at)
            );
            if let Some(q) = m.reply_to.as_ref().and_then(|r| self.quoted(r)) {
                let _ = writeln!(
                    out,
                    "> {}: {}  ",
                    self.name(&q.sender_id),
                    one_line(&q.body)
                );
            }
            if m.deleted {
                out.push_str("_This message was deleted._\n");
            } else {
                for line in m.body.lines() {
                    // Two trailing spaces keep the sender's line breaks.
                    let _ = writeln!(out, "{line}  ");
                }
                for a in &m.attachments {
                    let _ = writeln!(
                        out,
                        "- attachment: {} ({}, {})",
                        a.name,
                        a.content_type,
                        size(a.size)
                    );
                }
                if !m.reactions.is_empty() {
                    let reactions: Vec<String> = m
                        .reactions
                        .iter()
                        .map(|r| format!("{} {}", r.emoji, r.count))
                        .collect();
                    let _ = writeln!(out, "\n{}", reactions.join(" · "));
                }
                if m.edited_at.is_some() {
                    out.push_str("_(edited)_\n");
                }
            }
            out.push('\n');
        }
        out
    }

    fn html(&self, thumbnails: &HashMap<String, String>) -> String {
        let title = &self.conversation.display_title;
        let page: Markup = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="color-scheme" content="light dark";
                    title { (title) " — Parley" }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    header {
                        h1 { (title) }
                        p.meta { (self.messages.len()) " messages · exported " (stamp(Utc::now())) }
                        @if !self.complete {
                            p.meta { "Older messages could not be fetched (offline): this is what the device had." }
                        }
                    }
                    main {
                        @for m in self.messages {
                            article id=(format!("m{}", m.seq)) {
                                header {
                                    strong { (self.name(&m.sender_id)) }
                                    " "
                                    time datetime=(m.created_at.to_rfc3339_opts(SecondsFormat::Secs, true)) { (stamp(m.created_at)) }
                                }
                                @if let Some(q) = m.reply_to.as_ref().and_then(|r| self.quoted(r)) {
                                    a.quote href=(format!("#m{}", q.seq)) {
                                        strong { (self.name(&q.sender_id)) } " " (one_line(&q.body))
                                    }
                                }
                                @if m.deleted {
                                    p.deleted { "This message was deleted." }
                                } @else {
                                    @if !m.body.is_empty() { p.body { (m.body) } }
                                    @for a in &m.attachments {
                                        (attachment(a, thumbnails.get(a.id.as_str())))
                                    }
                                    @if !m.reactions.is_empty() {
                                        p.reactions {
                                            @for r in &m.reactions { span { (r.emoji) " " (r.count) } " " }
                                        }
                                    }
                                    @if m.edited_at.is_some() { p.meta { "(edited)" } }
                                }
                            }
                        }
                    }
                }
            }
        };
        page.into_string()
    }
}

fn attachment(a: &Attachment, thumbnail: Option<&String>) -> Markup {
    html! {
        figure.attachment {
            @if let Some(src) = thumbnail {
                img src=(src) alt=(a.name);
            }
            figcaption { (a.name) " · " (size(a.size)) }
        }
    }
}

/// The image type of a thumbnail's bytes, from their signature.
fn image_mime(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn one_line(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 120 {
        format!("{}…", line.chars().take(120).collect::<String>())
    } else {
        line
    }
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}

const STYLE: &str = "
body { font: 15px/1.5 system-ui, sans-serif; max-width: 760px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 4px; }
.meta, time, .deleted { color: #6b7280; font-size: 13px; }
article { padding: 10px 0; border-top: 1px solid #e5e7eb; }
.body { margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.quote { display: block; margin: 4px 0; padding: 2px 10px; border-left: 3px solid #6d8cff;
  color: inherit; text-decoration: none; font-size: 13px; }
.attachment { margin: 6px 0; }
.attachment img { display: block; max-width: 320px; max-height: 320px; border-radius: 6px; }
.reactions span { display: inline-block; padding: 0 8px; border-radius: 999px; background: #eef0f4; }
@media (prefers-color-scheme: dark) {
  body { background: #111318; color: #e6e8ee; }
  article { border-color: #2b303b; }
  .reactions span { background: #20242d; }
}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_are_typed_by_their_signature() {
        assert_eq!(image_mime(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(image_mime(b"\xFF\xD8\xFF\xE0...."), Some("image/jpeg"));
        assert_eq!(image_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_mime(b"<svg onload=alert(1)>"), None);
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(2048), "2 KiB");
        assert_eq!(size(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
    }
}
