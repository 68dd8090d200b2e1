//! `parley-server`: parse flags, load config, init logging, then serve (or run an
//! operator command). Everything else lives in the library.

use std::io::IsTerminal;
use std::{io::BufRead, path::PathBuf, sync::Arc};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use parley_protocol::{SecretString, limits};
use parley_server::{
    Config,
    store::{self, EventSink, NewUser, Published},
};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "parley-server",
    version,
    about = "The Parley messenger server (REST + WebSocket, embedded SQLite)"
)]
struct Cli {
    /// TOML configuration file (also PARLEY_CONFIG).
    #[arg(long, global = true, env = "PARLEY_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (also PARLEY_LISTEN; default 127.0.0.1:8080).
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Where the database and attachments live (also PARLEY_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL to use instead of SQLite, postgres://USER:PASS@HOST:PORT/DB (also
    /// PARLEY_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// NATS between instances, nats://HOST:PORT (also PARLEY_NATS_URL).
    #[arg(long, global = true)]
    nats_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Print the configuration file with every key at its default, commented.
    PrintConfig,
    /// Write an online, consistent copy of the database to FILE.
    Backup { file: PathBuf },
    /// Manage users and sessions.
    #[command(subcommand)]
    Admin(Admin),
    /// Copy this (stopped) server's SQLite database into an empty PostgreSQL database.
    Migrate {
        /// The target, postgres://USER:PASS@HOST:PORT/DB.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Create a user; the password is read from standard input (typed at a terminal, not echoed).
    CreateUser {
        username: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a new password (read from standard input; typed at a terminal, not echoed) and sign the user out everywhere.
    ResetPassword { username: String },
    /// List all users.
    ListUsers,
    /// Sign a user out of every session.
    RevokeSessions { username: String },
}

fn overrides(cli: &Cli) -> toml::Table {
    let mut table = toml::Table::new();
    if let Some(listen) = &cli.listen {
        table.insert("listen".to_owned(), listen.clone().into());
    }
    if let Some(dir) = &cli.data_dir {
        table.insert("data_dir".to_owned(), dir.display().to_string().into());
    }
    if let Some(url) = &cli.database_url {
        table.insert("database_url".to_owned(), url.clone().into());
    }
    if let Some(url) = &cli.nats_url {
        table.insert("nats_url".to_owned(), url.clone().into());
    }
    table
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::PrintConfig) = cli.command {
        print!("{}", Config::commented_defaults());
        return Ok(());
    }
    let (config, warnings) = Config::load(cli.config.as_deref(), overrides(&cli))?;
    let filter = EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&config.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    match cli.command {
        None | Some(Command::Serve) => runtime.block_on(serve(config)),
        Some(Command::Backup { file }) => runtime.block_on(backup(config, file)),
        Some(Command::Admin(admin)) => runtime.block_on(run_admin(config, admin)),
        Some(Command::Migrate { to }) => migrate(&config, &to),
        Some(Command::PrintConfig) => Ok(()),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(data_dir = %config.data_dir.display(), "starting parley-server {}", env!("CARGO_PKG_VERSION"));
    parley_server::serve(config, listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Admin commands run against the database directly; no events reach live sockets of a
/// running server. Revoked sessions stop working there at once all the same: tokens are
/// checked against the database on every request and every WebSocket send, and a running
/// server polls for revocations each second and closes those sockets with 4001.
struct NoSink;

impl EventSink for NoSink {
    fn publish(&self, _events: Vec<Published>) {}
}

/// The password for `admin`: typed at a terminal, without echo (the prompt goes to the
/// terminal); piped, the first line of standard input.
fn read_password() -> anyhow::Result<SecretString> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    limits::validate_password(&password)?;
    Ok(SecretString::new(password))
}

/// `migrate --to`: copies, verifies, then reports each table; nothing is written to a target
/// that holds rows, and nothing is committed unless every table reads back the same.
fn migrate(config: &Config, to: &str) -> anyhow::Result<()> {
    let source = config.data_dir.join("parley.db");
    eprintln!(
        "copying {} into PostgreSQL (stop the server first)",
        source.display()
    );
    // A progress bar on a terminal; a line per table (and per step) in a log.
    let bar = std::io::stderr().is_terminal().then(|| {
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template("  {prefix:<22} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        )
    });
    let mut shown = String::new();
    let report = store::migrate::sqlite_to_postgres(&source, to, &mut |table, done, total| {
        if let Some(bar) = &bar {
            if bar.prefix() != table {
                if !bar.prefix().is_empty() {
                    bar.println(format!("  {} {}", bar.prefix(), bar.position()));
                }
                bar.set_prefix(table.to_owned());
                bar.set_length(total);
            }
            bar.set_position(done);
            return;
        }
        let line = format!("{table}: {done}/{total}");
        if line != shown {
            eprintln!("  {line}");
            shown = line;
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    println!("migrated and verified (rows, sha256 per table):");
    for copied in &report {
        println!(
            "  {:<22} {:>10}  {}",
            copied.table, copied.rows, copied.checksum
        );
    }
    println!(
        "attachment files are in the database now; {} may go once the cluster runs",
        config.data_dir.join("attachments").display()
    );
    Ok(())
}

/// An online, consistent copy of the store, taken beside a running server.
async fn backup(config: Config, file: PathBuf) -> anyhow::Result<()> {
    store::backup(&config, &file).await.with_context(|| {
        format!(
            "backup of {} to {}",
            config.data_dir.join("parley.db").display(),
            file.display()
        )
    })?;
    println!("backup written to {}", file.display());
    Ok(())
}

async fn run_admin(config: Config, admin: Admin) -> anyhow::Result<()> {
    let store = store::open(&config, Arc::new(NoSink), Arc::default()).await?;
    let find = |username: String| {
        let store = store.clone();
        async move {
            let name = limits::normalize_username(&username)?;
            match store.user_by_username(&name).await? {
                Some((user, _)) => Ok(user),
                None => bail!("no user named {name}"),
            }
        }
    };
    match admin {
        Admin::CreateUser {
            username,
            display_name,
        } => {
            let username = limits::normalize_username(&username)?;
            let password_hash = parley_server::hash_password_for_admin(read_password()?).await?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let user = store
                .create_user(NewUser {
                    username,
                    display_name,
                    password_hash,
                })
                .await?;
            println!("created {} ({})", user.username, user.id);
        }
        Admin::ResetPassword { username } => {
            let user = find(username).await?;
            let hash = parley_server::hash_password_for_admin(read_password()?).await?;
            store.set_password_hash(&user.id, hash).await?;
            let revoked = store.revoke_all_sessions(&user.id).await?;
            println!(
                "password reset for {}; {} session(s) revoked",
                user.username,
                revoked.len()
            );
        }
        Admin::ListUsers => {
            for user in store.list_users().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    user.id,
                    user.username,
                    user.display_name,
                    user.created_at.to_rfc3339()
                );
            }
        }
        Admin::RevokeSessions { username } => {
            let user = find(username).await?;
            let revoked = store.revoke_all_sessions(&user.id).await?;
            println!("{} session(s) of {} revoked", revoked.len(), user.username);
        }
    }
    Ok(())
}
