//! `idle`: hold many quiet WebSockets and read what they cost the server in RSS (§5: 20,000
//! sockets at ≤ 12 KiB each).
//!
//! A few users are registered and their tokens reused across sockets (one user may have many
//! sockets open). Each socket says `hello`, waits for `ready`, then only reads (so the
//! server's pings get their pongs). The server's `VmRSS` is read from `/proc/PID/status` before
//! the first socket opens and again once all are ready and have settled.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use futures_util::StreamExt as _;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::setup::{Api, run_prefix};
use crate::socket::{self, Target, Ws};
use crate::stats::IdleReport;

/// File descriptors kept for everything that is not a held socket.
const SPARE_FDS: u64 = 64;

#[derive(Clone, Debug, clap::Args)]
pub struct IdleArgs {
    /// WebSockets to open and hold.
    #[arg(long, default_value_t = 1_000)]
    pub sockets: usize,
    /// Users the sockets are spread over.
    #[arg(long, default_value_t = 4)]
    pub users: usize,
    /// The server's process id, to read its RSS from /proc/PID/status.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Spread client sockets over source addresses 127.0.0.1 … 127.0.0.K (each holds ~28k
    /// ephemeral ports); only for a server on IPv4 loopback.
    #[arg(long, default_value_t = 1)]
    pub source_ips: u8,
    /// Sockets being opened at once.
    #[arg(long, default_value_t = 128)]
    pub connect_concurrency: usize,
    /// Seconds to wait after the last `ready` before reading the server's RSS.
    #[arg(long, default_value_t = 2)]
    pub settle: u64,
    /// Seconds to keep holding the sockets after measuring.
    #[arg(long, default_value_t = 0)]
    pub hold: u64,
}

pub async fn run(target: &Target, args: IdleArgs, nofile: Option<u64>) -> Result<IdleReport> {
    preflight(target, &args, nofile)?;
    let api = Api::new(target.base.clone())?;
    eprintln!("registering {} users…", args.users);
    let users = api
        .register_many(&format!("{}i", run_prefix()), args.users)
        .await?;
    let rss_before = args.server_pid.map(rss_kib).transpose()?;
    let own_before = own_rss_kib();

    let started = Instant::now();
    let closed = Arc::new(AtomicUsize::new(0));
    let mut holders = JoinSet::new();
    let mut opening = futures_util::stream::iter((0..args.sockets).map(|i| {
        let token = users[i % users.len()].token.clone();
        let source = (args.source_ips > 1).then(|| source_ip(i, args.source_ips));
        async move {
            socket::open(target, &token, socket::idle_config(), source)
                .await
                .with_context(|| format!("socket {i}"))
        }
    }))
    .buffer_unordered(args.connect_concurrency.max(1));
    let mut ready = 0usize;
    while let Some(ws) = opening.next().await {
        holders.spawn(hold(ws?, closed.clone()));
        ready += 1;
        if ready.is_multiple_of(1_000) {
            eprintln!("… {ready} sockets ready");
        }
    }
    drop(opening);
    let connect_secs = started.elapsed().as_secs_f64();

    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let rss_after = args.server_pid.map(rss_kib).transpose()?;
    let own_after = own_rss_kib();
    if args.hold > 0 {
        eprintln!("holding {} sockets for {} s…", args.sockets, args.hold);
        tokio::time::sleep(Duration::from_secs(args.hold)).await;
    }
    let closed_while_held = closed.load(Relaxed);
    holders.abort_all();

    let per_socket = |before: Option<u64>, after: Option<u64>| {
        Some((after? as f64 - before? as f64) / args.sockets.max(1) as f64)
    };
    Ok(IdleReport {
        scenario: "idle",
        sockets: args.sockets,
        users: args.users,
        source_ips: usize::from(args.source_ips),
        connect_secs,
        connects_per_sec: args.sockets as f64 / connect_secs.max(1e-9),
        server_pid: args.server_pid,
        server_rss_before_kib: rss_before,
        server_rss_after_kib: rss_after,
        server_kib_per_socket: per_socket(rss_before, rss_after),
        bench_kib_per_socket: per_socket(own_before, own_after),
        closed_while_held,
    })
}

/// Refuses runs that would hit a limit halfway: file descriptors and ephemeral ports.
fn preflight(target: &Target, args: &IdleArgs, nofile: Option<u64>) -> Result<()> {
    ensure!(args.users >= 1, "--users must be at least 1");
    ensure!(args.source_ips >= 1, "--source-ips must be at least 1");
    let needed = args.sockets as u64 + SPARE_FDS;
    if let Some(limit) = nofile
        && needed > limit
    {
        bail!(
            "{} sockets need ~{needed} file descriptors but this process may open {limit}: \
             run `ulimit -n 65536` first (a hard limit below that needs root to raise)",
            args.sockets
        );
    }
    if let Some(pid) = args.server_pid
        && let Some(limit) = server_nofile(pid)
        && needed > limit
    {
        eprintln!(
            "warning: the server (pid {pid}) may open only {limit} files; start it after \
             `ulimit -n 65536` or it will refuse sockets"
        );
    }
    if args.source_ips > 1 {
        let loopback_v4 = matches!(target.addr.ip(), IpAddr::V4(ip) if ip.is_loopback());
        ensure!(
            loopback_v4,
            "--source-ips needs a server on 127.0.0.0/8, not {}",
            target.addr
        );
    }
    let ports = ephemeral_ports().unwrap_or(28_000);
    let capacity = ports * u64::from(args.source_ips);
    if args.sockets as u64 > capacity {
        bail!(
            "{} sockets need more than the {ports} ephemeral ports per source address: \
             pass --source-ips {}",
            args.sockets,
            (args.sockets as u64).div_ceil(ports)
        );
    }
    Ok(())
}

/// 127.0.0.1, 127.0.0.2, … round robin.
fn source_ip(index: usize, count: u8) -> IpAddr {
    let last = 1 + (index % usize::from(count)) as u8;
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// Reads until the server closes the socket (or the task is aborted).
async fn hold(mut ws: Ws, closed: Arc<AtomicUsize>) {
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Close(_) = message {
            break;
        }
    }
    closed.fetch_add(1, Relaxed);
}

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    vm_rss(&status).with_context(|| format!("no VmRSS line in {path}"))
}

fn own_rss_kib() -> Option<u64> {
    vm_rss(&std::fs::read_to_string("/proc/self/status").ok()?)
}

fn vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The server's soft `Max open files`, from `/proc/PID/limits`.
fn server_nofile(pid: u32) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// How many ports `net.ipv4.ip_local_port_range` spans.
fn ephemeral_ports() -> Option<u64> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut bounds = range.split_whitespace().map(|n| n.parse::<u64>());
    let (low, high) = (bounds.next()?.ok()?, bounds.next()?.ok()?);
    Some(high.saturating_sub(low) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tparley\nVmPeak:\t  9000 kB\nVmRSS:\t  12345 kB\nThreads: 3\n";
        assert_eq!(vm_rss(status), Some(12_345));
        assert_eq!(vm_rss("Name: x\n"), None);
    }

    #[test]
    fn source_ips_round_robin() {
        assert_eq!(source_ip(0, 3), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(source_ip(4, 3), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    }
}
