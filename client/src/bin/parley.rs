//! `parley`: the command-line client, on the same engine as the desktop app.
//!
//! Every command reads the local cache; without `--offline` it first catches up with the
//! server when it can (and says so on stderr when it can't). `--json` prints one JSON
//! document on stdout (`watch`: one per line).

use std::{io::Read, path::PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use parley_client::{
    Engine, EngineEvent,
    accounts::{Accounts, default_home},
    api,
    cache::CachedMessage,
    export::ExportFormat,
    protocol::{LoginRequest, RegisterRequest, SecretString},
};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "parley",
    version,
    about = "The Parley messenger, from the command line"
)]
struct Cli {
    /// Where caches and settings live (default: PARLEY_HOME, else the OS data dir).
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    /// USERNAME@HOST, when more than one account is signed in.
    #[arg(long, global = true)]
    account: Option<String>,
    /// Machine output: one JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Never touch the network: read the cache only.
    #[arg(long, global = true)]
    offline: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an account, sign in, keep the refresh token in the OS keyring.
    Register {
        #[arg(long)]
        server: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Sign in.
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Revoke the session and delete the keyring entry.
    Logout,
    /// The signed-in accounts.
    Accounts,
    /// Conversations with unread counts, newest activity first.
    Conversations,
    /// Open (or create) the direct conversation with USERNAME; prints its id.
    Dm { username: String },
    /// Create a group; prints its id.
    Group {
        title: String,
        usernames: Vec<String>,
    },
    /// Queue TEXT in the outbox and send it; prints the message (or `pending` when offline).
    Send {
        conv: String,
        /// The message; may be "" when files are attached.
        text: String,
        /// A file to send with it (repeatable; at most 25 MiB each).
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
    },
    /// Save an attachment (ids as `parley read` shows them) into DIR; prints the path.
    Download {
        attachment_id: String,
        /// Where to save it (default: the current directory). Never overwrites a file.
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// The last N messages, oldest first.
    Read {
        conv: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Full-text search (the local cache with --offline).
    Search {
        query: String,
        #[arg(long)]
        conversation: Option<String>,
    },
    /// The whole conversation (older history fetched when online) as JSON, Markdown or one
    /// self-contained HTML page; on stdout, or into FILE (never overwriting one).
    Export {
        conv: String,
        #[arg(long, value_enum, default_value = "json")]
        format: ExportArg,
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Catch up and flush the outbox, then exit.
    Sync,
    /// Stream new events until interrupted.
    Watch { conv: Option<String> },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportArg {
    Json,
    Md,
    Html,
}

impl From<ExportArg> for ExportFormat {
    fn from(arg: ExportArg) -> Self {
        match arg {
            ExportArg::Json => Self::Json,
            ExportArg::Md => Self::Md,
            ExportArg::Html => Self::Html,
        }
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version` print to stdout and exit 0, as clap does.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!("parley: {}", usage_error(&e));
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARLEY_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => fail(&e.into()),
    };
    if let Err(e) = runtime.block_on(run(cli)) {
        fail(&e);
    }
}

fn fail(error: &anyhow::Error) -> ! {
    eprintln!("parley: {}", one_line(error));
    std::process::exit(1);
}

/// Clap's several-line usage error as one line: the message (with any list it introduces)
/// and the usage it refers to.
fn usage_error(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    if error.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a command is needed; `parley --help` lists them".to_owned();
    }
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or_default();
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    if message.ends_with(':') {
        for item in lines.by_ref().take_while(|l| !l.trim().is_empty()) {
            message.push(' ');
            message.push_str(item.trim());
        }
    }
    if let Some(usage) = rendered.lines().find_map(|l| l.strip_prefix("Usage: ")) {
        message.push_str(&format!(" (usage: {usage})"));
    }
    message
}

fn one_line(error: &dyn std::fmt::Display) -> String {
    format!("{error:#}").replace('\n', " ")
}

fn print_json(value: &serde_json::Value) {
    println!("{value}");
}

fn read_password() -> anyhow::Result<SecretString> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the password from stdin")?;
    let password = text.trim_end_matches(['\r', '\n']).to_owned();
    parley_client::protocol::limits::validate_password(&password)?;
    Ok(SecretString::new(password))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let home = cli.home.clone().unwrap_or_else(default_home);
    match &cli.command {
        Command::Register {
            server,
            username,
            display_name,
            ..
        } => {
            let server = api::normalize_server(server)?;
            let request = RegisterRequest {
                username: username.clone(),
                password: read_password()?,
                display_name: display_name.clone(),
                device_name: Some(device_name()),
            };
            let auth = api::register(&server, &request).await?;
            sign_in(&cli, &home, &server, auth).await
        }
        Command::Login {
            server, username, ..
        } => {
            let server = api::normalize_server(server)?;
            let request = LoginRequest {
                username: username.clone(),
                password: read_password()?,
                device_name: Some(device_name()),
            };
            let auth = api::login(&server, &request).await?;
            sign_in(&cli, &home, &server, auth).await
        }
        Command::Accounts => {
            let accounts = Accounts::load(&home)?;
            if cli.json {
                let list: Vec<_> = accounts
                    .accounts
                    .iter()
                    .map(
                        |a| json!({"account": a.label(), "server": a.server, "user_id": a.user_id}),
                    )
                    .collect();
                print_json(&json!({ "accounts": list }));
            } else {
                for account in &accounts.accounts {
                    println!("{}\t{}", account.label(), account.server);
                }
            }
            Ok(())
        }
        _ => {
            let mut accounts = Accounts::load(&home)?;
            let account = accounts.select(cli.account.as_deref())?;
            let engine = Engine::open(&home, account.clone())?;
            if let Command::Logout = cli.command {
                engine.logout().await?;
                accounts.remove(&account.label());
                accounts.save(&home)?;
                report(
                    &cli,
                    json!({"signed_out": account.label()}),
                    &format!("signed out of {}", account.label()),
                );
                return Ok(());
            }
            command(&cli, &engine).await
        }
    }
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this computer".to_owned());
    format!("parley CLI on {host}").chars().take(64).collect()
}

fn report(cli: &Cli, value: serde_json::Value, human: &str) {
    if cli.json {
        print_json(&value);
    } else {
        println!("{human}");
    }
}

async fn sign_in(
    cli: &Cli,
    home: &std::path::Path,
    server: &str,
    auth: parley_client::protocol::AuthResponse,
) -> anyhow::Result<()> {
    let user = auth.user.clone();
    let engine = Engine::sign_in(home, server, auth).await?;
    if let Err(e) = engine.catch_up().await {
        eprintln!(
            "parley: signed in, but the first sync failed: {}",
            one_line(&e)
        );
    }
    let label = engine.account().label();
    report(
        cli,
        json!({"account": label, "user": user}),
        &format!("signed in as {label}"),
    );
    Ok(())
}

/// Catches up unless `--offline`; a server that can't be reached is a note, not an error.
/// Catches up unless `--offline`; returns whether the server was reached.
async fn refresh(cli: &Cli, engine: &Engine) -> anyhow::Result<bool> {
    if cli.offline {
        return Ok(false);
    }
    match engine.catch_up().await {
        Ok(_) => Ok(true),
        Err(e) if e.is_signed_out() => Err(e.into()),
        Err(e) => {
            eprintln!("parley: offline, showing the cache ({})", one_line(&e));
            Ok(false)
        }
    }
}

async fn resolve(
    cli: &Cli,
    engine: &Engine,
    spec: &str,
) -> anyhow::Result<parley_client::protocol::ConversationId> {
    match engine.resolve(spec).await {
        Ok(found) => Ok(found.conversation.id),
        Err(_) if !cli.offline && spec.starts_with('@') => Ok(engine.open_direct(spec).await?),
        Err(e) => Err(e.into()),
    }
}

async fn name_of(engine: &Engine, id: &parley_client::protocol::UserId) -> String {
    match engine.user(id).await {
        Ok(Some(user)) => user.username,
        _ => id.as_str().chars().take(8).collect(),
    }
}

async fn command(cli: &Cli, engine: &Engine) -> anyhow::Result<()> {
    match &cli.command {
        Command::Conversations => {
            refresh(cli, engine).await?;
            let list = engine.conversations().await?;
            if cli.json {
                print_json(&json!({ "conversations": list }));
            } else if list.is_empty() {
                println!("no conversations yet");
            } else {
                for c in &list {
                    let unread = match c.conversation.unread_count {
                        0 => String::new(),
                        n => format!("  ({n} unread)"),
                    };
                    let when = c.activity_at.format("%Y-%m-%d %H:%M");
                    println!(
                        "{}{}  · {}  · {}",
                        c.display_title, unread, when, c.conversation.id
                    );
                }
            }
        }
        Command::Dm { username } => {
            let id = engine.open_direct(username).await?;
            report(cli, json!({"conversation_id": id}), id.as_str());
        }
        Command::Group { title, usernames } => {
            let id = engine.create_group(title, usernames).await?;
            report(cli, json!({"conversation_id": id}), id.as_str());
        }
        Command::Send { conv, text, attach } => {
            if engine.resolve(conv).await.is_err() {
                refresh(cli, engine).await?;
            }
            let id = resolve(cli, engine, conv).await?;
            let entry = compose(engine, &id, text, attach).await?;
            if cli.offline {
                report(
                    cli,
                    json!({"state": "pending", "client_id": entry.client_id}),
                    "pending",
                );
                return Ok(());
            }
            match engine.flush_outbox().await {
                Ok(None) => {
                    let sent = engine
                        .messages(&id, 200)
                        .await?
                        .into_iter()
                        .find(|m| m.message.client_id == entry.client_id);
                    match sent {
                        Some(m) if m.is_sent() => {
                            report(
                                cli,
                                json!({"state": "sent", "message": m.message}),
                                &format!("sent #{}", m.message.seq),
                            );
                        }
                        Some(m) => bail!("not sent: {:?}", m.delivery),
                        None => bail!("the message left the outbox but is not in the cache"),
                    }
                }
                Ok(Some(e)) => {
                    eprintln!("parley: queued; will send when the server is reachable ({e})");
                    report(
                        cli,
                        json!({"state": "pending", "client_id": entry.client_id}),
                        "pending",
                    );
                }
                Err(e) if e.is_signed_out() => return Err(e.into()),
                Err(e) => {
                    eprintln!(
                        "parley: queued; will send when the server is reachable ({})",
                        one_line(&e)
                    );
                    report(
                        cli,
                        json!({"state": "pending", "client_id": entry.client_id}),
                        "pending",
                    );
                }
            }
        }
        Command::Read { conv, limit } => {
            let online = refresh(cli, engine).await?;
            let id = resolve(cli, engine, conv).await?;
            let messages = if online {
                engine.recent_messages(&id, *limit).await?
            } else {
                engine.messages(&id, *limit).await?
            };
            if cli.json {
                print_json(&json!({ "conversation_id": id, "messages": messages }));
            } else {
                for m in &messages {
                    println!("{}", line_of(engine, m).await);
                }
            }
        }
        Command::Search {
            query,
            conversation,
        } => {
            let conv = match conversation {
                Some(spec) => Some(resolve(cli, engine, spec).await?),
                None => None,
            };
            let results = if cli.offline {
                engine.search_local(query, conv, 50).await?
            } else {
                match engine.api().await?.search(query, conv.as_ref(), 50).await {
                    Ok(results) => results,
                    Err(e) if e.is_recoverable() => {
                        eprintln!("parley: offline, searching the cache ({e})");
                        engine.search_local(query, conv, 50).await?
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            if cli.json {
                print_json(&json!({ "results": results }));
            } else if results.is_empty() {
                println!("no matches");
            } else {
                for m in results {
                    let sender = name_of(engine, &m.sender_id).await;
                    println!(
                        "#{} {} {}: {}",
                        m.seq,
                        m.created_at.format("%Y-%m-%d %H:%M"),
                        sender,
                        m.body
                    );
                }
            }
        }
        Command::Sync => {
            if engine.check_search_index().await? {
                eprintln!(
                    "parley: the local search index was out of step with the messages; rebuilt it"
                );
            }
            let applied = engine.catch_up().await?;
            if let Some(e) = engine.flush_outbox().await? {
                bail!("caught up ({applied} events), but the outbox could not be sent: {e}");
            }
            report(
                cli,
                json!({"applied": applied, "outbox": "empty"}),
                &format!("up to date ({applied} new events)"),
            );
        }
        Command::Download {
            attachment_id,
            output,
        } => {
            let id = parley_client::protocol::AttachmentId::new(attachment_id.clone());
            let known = engine
                .with_cache_async({
                    let id = id.clone();
                    move |c| Ok(c.attachment(&id)?.is_some())
                })
                .await?;
            if !known && !attachment_id.starts_with(parley_client::attachments::LOCAL_PREFIX) {
                refresh(cli, engine).await?;
            }
            let dir = match output {
                Some(dir) => dir.clone(),
                None => std::env::current_dir()?,
            };
            let path = engine.save_attachment(&id, &dir).await?;
            report(
                cli,
                json!({"attachment_id": id, "path": path}),
                &path.display().to_string(),
            );
        }
        Command::Export {
            conv,
            format,
            output,
        } => {
            let online = refresh(cli, engine).await?;
            let id = resolve(cli, engine, conv).await?;
            let export = engine.export(&id, (*format).into(), online).await?;
            if !export.complete {
                eprintln!(
                    "parley: older messages could not be fetched; exporting what the cache has"
                );
            }
            match output {
                None => print!("{}", export.contents),
                Some(path) => {
                    let mut file = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(path)
                        .with_context(|| {
                            format!("{} (an export never overwrites a file)", path.display())
                        })?;
                    std::io::Write::write_all(&mut file, export.contents.as_bytes())
                        .and_then(|()| file.sync_all())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    report(
                        cli,
                        json!({"conversation_id": id, "path": path, "messages": export.messages, "complete": export.complete}),
                        &path.display().to_string(),
                    );
                }
            }
        }
        Command::Watch { conv } => watch(cli, engine, conv.as_deref()).await?,
        Command::Register { .. } | Command::Login { .. } | Command::Logout | Command::Accounts => {}
    }
    Ok(())
}

/// Stages the files and queues the message; on failure the files staged so far are dropped.
async fn compose(
    engine: &Engine,
    conversation: &parley_client::protocol::ConversationId,
    text: &str,
    files: &[PathBuf],
) -> anyhow::Result<parley_client::cache::OutboxEntry> {
    let mut staged = Vec::new();
    let mut result = Ok(());
    for file in files {
        match engine.stage_file(file).await {
            Ok(s) => staged.push(s.staged_id),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let result = match result {
        Ok(()) => engine.compose_with(conversation, text, None, &staged).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        for id in staged {
            let _ = engine.discard_staged(id).await;
        }
    }
    Ok(result?)
}

async fn line_of(engine: &Engine, m: &CachedMessage) -> String {
    let sender = name_of(engine, &m.message.sender_id).await;
    let seq = if m.is_sent() {
        format!("#{}", m.message.seq)
    } else {
        "pending".to_owned()
    };
    let body = if m.message.deleted {
        "(deleted)".to_owned()
    } else {
        m.message.body.clone()
    };
    let failed = match &m.delivery {
        parley_client::cache::Delivery::Failed { reason } => format!("  [failed: {reason}]"),
        _ => String::new(),
    };
    let files: String = m
        .message
        .attachments
        .iter()
        .map(|a| format!("  [attachment: {} ({} bytes) id {}]", a.name, a.size, a.id))
        .collect();
    format!(
        "{seq} {} {sender}: {body}{files}{failed}",
        m.message.created_at.format("%Y-%m-%d %H:%M")
    )
}

async fn watch(cli: &Cli, engine: &Engine, conv: Option<&str>) -> anyhow::Result<()> {
    if cli.offline {
        bail!("watch needs the network; drop --offline");
    }
    let filter = match conv {
        Some(spec) => Some(resolve(cli, engine, spec).await?),
        None => None,
    };
    let mut events = engine.events();
    let realtime = engine.clone();
    let outbox = engine.clone();
    let mut background = tokio::spawn(async move {
        tokio::select! {
            e = realtime.run_realtime() => e,
            e = outbox.run_outbox() => e,
        }
    });
    if !cli.json {
        eprintln!(
            "watching {}; Ctrl-C stops",
            filter
                .as_ref()
                .map_or("all conversations", |id| id.as_str())
        );
    }
    // The engine's loops return only when they cannot go on (signed out, cache failure): then
    // watch ends with that error instead of watching a dead session forever.
    let ended = loop {
        tokio::select! {
            batch = events.recv() => match batch {
                Ok(batch) => print_batch(cli, engine, &batch, filter.as_ref()).await?,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break None,
            },
            ended = &mut background => break Some(ended),
            _ = tokio::signal::ctrl_c() => break None,
        }
    };
    background.abort();
    match ended {
        Some(Ok(error)) => Err(error),
        Some(Err(panicked)) => Err(panicked.into()),
        None => Ok(()),
    }
}

async fn print_batch(
    cli: &Cli,
    engine: &Engine,
    batch: &[EngineEvent],
    filter: Option<&parley_client::protocol::ConversationId>,
) -> anyhow::Result<()> {
    for event in batch {
        let EngineEvent::Applied { summary } = event else {
            if let EngineEvent::State { state } = event {
                if cli.json {
                    print_json(&json!({"type": "state", "state": state}));
                } else {
                    eprintln!("[{state:?}]");
                }
            }
            continue;
        };
        for (conversation, ids) in &summary.messages {
            if filter.is_some_and(|f| f != conversation) {
                continue;
            }
            let messages = engine.messages(conversation, 200).await?;
            for m in messages.iter().filter(|m| ids.contains(&m.message.id)) {
                if cli.json {
                    print_json(&json!({"type": "message", "message": m.message}));
                } else {
                    println!("{}", line_of(engine, m).await);
                }
            }
        }
    }
    Ok(())
}
