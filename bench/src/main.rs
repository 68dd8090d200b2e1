//! `parley-bench`: a load generator for a running `parley-server`, over real WebSockets from a
//! separate process, measuring the targets of `PRODUCT.md` §5.
//!
//! Start the server with rate limits off, then run a scenario against it:
//!
//! ```text
//! PARLEY_RATE_LIMIT=off cargo run --release -p parley-server -- --data-dir /tmp/bench-data
//! cargo run --release -p parley-bench -- group --receivers 10 --senders 2 --messages 20000
//! cargo run --release -p parley-bench -- dm --pairs 50 --messages 1000
//! cargo run --release -p parley-bench -- latency --rate 2000 --seconds 10 --receivers 10
//! ulimit -n 65536   # in both shells, for many sockets
//! cargo run --release -p parley-bench -- idle --sockets 20000 --server-pid "$(pgrep -n parley-server)"
//! cargo run --release -p parley-bench -- cache-search --messages 1000000   # no server needed
//! cargo run --release -p parley-bench -- catch-up --messages 100000
//! ```
//!
//! `--server http://host:port` (default `http://127.0.0.1:8080`) picks the server;
//! `--receive-server` another instance of the same cluster, where the sockets that only
//! receive connect (so their deliveries cross instances); `--json`
//! prints one JSON object instead of the human report. Every run registers fresh users
//! (random names), so it can be repeated against the same data directory. Every wait is
//! bounded: `--stall-timeout` seconds without progress abort the run with an error.
//!
//! Figures are only meaningful from release builds of both sides; the load generator shares
//! the machine's cores with the server, which the numbers include.

mod client;
mod idle;
mod scenarios;
mod setup;
mod socket;
mod stats;
mod traffic;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(name = "parley-bench", version, about)]
struct Cli {
    /// The running server's base URL (plain http).
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Another instance of the same cluster: sockets that only receive connect there, so
    /// that every delivery to them crosses instances.
    #[arg(long, global = true)]
    receive_server: Option<String>,
    /// Print one JSON object instead of the human report.
    #[arg(long, global = true)]
    json: bool,
    /// Seconds without any progress after which a run is aborted.
    #[arg(long, global = true, default_value_t = 30)]
    stall_timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One group: senders pipeline messages, every member's socket receives them.
    Group(scenarios::GroupArgs),
    /// Direct conversations: one side of each pair sends, both sockets receive.
    Dm(scenarios::DmArgs),
    /// Send→receive latency at a fixed rate into one group.
    Latency(scenarios::LatencyArgs),
    /// Hold many idle WebSockets and report the server's RSS per socket.
    Idle(idle::IdleArgs),
    /// Local full-text search over a large client cache (no server needed).
    CacheSearch(client::SearchArgs),
    /// Catch-up of many missed messages from the server into an empty client cache.
    CatchUp(client::CatchUpArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let nofile = raise_nofile_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("parley-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, nofile)) {
        Ok(complete) if complete => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(2),
        Err(e) => {
            eprintln!("parley-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen scenario and prints its report. `Ok(false)`: the report is printed but the
/// run was incomplete (failed sends or missing deliveries).
async fn run(cli: Cli, nofile: Option<u64>) -> Result<bool> {
    match &cli.command {
        Command::CacheSearch(args) => {
            let report = client::cache_search(args)?;
            print(cli.json, &report, &report.human())?;
            return Ok(true);
        }
        Command::CatchUp(args) => {
            let report = client::catch_up(&cli.server, args).await?;
            print(cli.json, &report, &report.human())?;
            return Ok(true);
        }
        _ => {}
    }
    let mut target = socket::Target::resolve(&cli.server).await?;
    if let Some(url) = &cli.receive_server {
        target.receivers = Some(Box::new(socket::Target::resolve(url).await?));
    }
    let stall = Duration::from_secs(cli.stall_timeout.max(1));
    let report = match cli.command {
        Command::Group(args) => scenarios::group(&target, args, stall).await?,
        Command::Dm(args) => scenarios::dm(&target, args, stall).await?,
        Command::Latency(args) => scenarios::latency(&target, args, stall).await?,
        Command::Idle(args) => {
            let report = idle::run(&target, args, nofile).await?;
            print(cli.json, &report, &report.human())?;
            return Ok(report.closed_while_held == 0);
        }
        Command::CacheSearch(_) | Command::CatchUp(_) => return Ok(true),
    };
    print(cli.json, &report, &report.human())?;
    Ok(report.failures == 0 && report.deliveries >= report.deliveries_expected)
}

fn print(json: bool, report: &impl Serialize, human: &str) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        print!("{human}");
    }
    Ok(())
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit (1024 is the usual default,
/// far too few for thousands of sockets). Returns the limit now in force, if known.
fn raise_nofile_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            eprintln!(
                "parley-bench: could not raise the open-files limit ({e}); \
                 run `ulimit -n 65536` first for runs with many sockets"
            );
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .ok()
                .map(|(soft, _)| soft)
        }
    }
}
