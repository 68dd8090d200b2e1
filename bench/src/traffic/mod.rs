//! The message-traffic engine behind `group`, `dm` and `latency`.
//!
//! Every user has one socket. A sender pipelines `send` frames over its socket, at most
//! `window` unacknowledged at once, paced to its share of the target rate (or as fast as the
//! window allows). Each send's timestamp goes into one ledger keyed by `client_id`, shared by
//! all sockets; a reader looks it up when the `ack` or a `message.created` event arrives and
//! records the latency. A coordinator watches the counters: the run ends when everything has
//! arrived, and aborts with an error after `stall` without any progress.

mod ledger;
mod receive;
mod send;

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures_util::StreamExt as _;
use parley_protocol::ConversationId;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use self::ledger::Ledger;
use self::receive::{Reader, Samples};
use self::send::Sender;
use crate::setup::BenchUser;
use crate::socket::{self, Target, Ws};
use crate::stats::{Percentiles, TrafficReport};

/// Sockets being opened at once.
const OPEN_CONCURRENCY: usize = 32;

/// Knobs shared by the traffic scenarios.
#[derive(Clone, Debug, clap::Args)]
pub struct TrafficOpts {
    /// Unacknowledged sends in flight per sender.
    #[arg(long, default_value_t = 256)]
    pub window: usize,
    /// Size of each message body in bytes.
    #[arg(long, default_value_t = 32)]
    pub body_bytes: usize,
    /// Parse every frame as the protocol's `ServerFrame` (checks the contract; costs CPU).
    #[arg(long)]
    pub strict: bool,
}

/// One socket and, for a sender, where it sends.
pub struct SocketPlan {
    pub user: BenchUser,
    /// `(conversation, its member count)` for a sender.
    pub sends_to: Option<(ConversationId, u32)>,
}

pub struct Plan {
    pub scenario: &'static str,
    pub sockets: Vec<SocketPlan>,
    pub conversations: usize,
    pub messages_per_sender: u64,
    /// Messages/s over all senders; 0 = unpaced.
    pub rate: f64,
    pub opts: TrafficOpts,
    pub stall: Duration,
    pub setup_started: Instant,
}

/// What is known once the traffic has started.
struct Launched {
    ledger: Arc<Ledger>,
    readers: JoinSet<Samples>,
    writers: JoinSet<()>,
    senders: usize,
    messages: u64,
    /// Deliveries if every send is acknowledged.
    deliveries: u64,
}

/// Opens every socket, runs the traffic and measures it.
pub async fn run(target: &Target, mut plan: Plan) -> Result<TrafficReport> {
    let socket_count = plan.sockets.len();
    let sockets = open_all(target, std::mem::take(&mut plan.sockets)).await?;
    let setup_secs = plan.setup_started.elapsed().as_secs_f64();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut launched = launch(sockets, &plan, &stop_rx);
    let outcome = watch_progress(
        &launched.ledger,
        launched.messages,
        launched.deliveries,
        plan.stall,
    )
    .await;
    let _ = stop_tx.send(true);
    launched.writers.abort_all();
    outcome?;
    let mut samples = Samples::default();
    while let Some(joined) = launched.readers.join_next().await {
        let s = joined?;
        samples.delivery.extend(s.delivery);
        samples.ack.extend(s.ack);
    }

    let ledger = &launched.ledger;
    let c = &ledger.counters;
    let secs = |us: u64| us as f64 / 1e6;
    let per_sec = |n: u64, us: u64| if us > 0 { n as f64 / secs(us) } else { 0.0 };
    let (acks, deliveries) = (c.acks.load(Relaxed), c.deliveries.load(Relaxed));
    let (last_ack, last_delivery) = (
        c.last_ack_us.load(Relaxed),
        c.last_delivery_us.load(Relaxed),
    );
    Ok(TrafficReport {
        scenario: plan.scenario,
        sockets: socket_count,
        senders: launched.senders,
        conversations: plan.conversations,
        messages_sent: launched.messages,
        acks,
        failures: c.failures.load(Relaxed),
        deliveries,
        deliveries_expected: acks * (launched.deliveries / launched.messages.max(1)),
        resyncs: c.resyncs.load(Relaxed),
        target_rate: plan.rate,
        setup_secs,
        run_secs: secs(last_ack.max(last_delivery)),
        accepted_per_sec: per_sec(acks, last_ack),
        deliveries_per_sec: per_sec(deliveries, last_delivery),
        delivery_latency: Percentiles::from_samples(samples.delivery),
        ack_latency: Percentiles::from_samples(samples.ack),
        first_failure: ledger.take_failure(),
    })
}

type Opened = (Ws, Option<(ConversationId, u32)>);

async fn open_all(target: &Target, plans: Vec<SocketPlan>) -> Result<Vec<Opened>> {
    eprintln!("opening {} sockets…", plans.len());
    let mut sockets = Vec::with_capacity(plans.len());
    let mut opening = futures_util::stream::iter(plans.into_iter().map(|s| async move {
        let instance = match (&s.sends_to, &target.receivers) {
            (None, Some(receivers)) => receivers,
            _ => target,
        };
        let ws = socket::open(instance, &s.user.token, socket::busy_config(), None).await?;
        anyhow::Ok((ws, s.sends_to))
    }))
    .buffer_unordered(OPEN_CONCURRENCY);
    while let Some(opened) = opening.next().await {
        sockets.push(opened?);
    }
    Ok(sockets)
}

/// Spawns one reader per socket and one sender per sending socket; sending starts at once.
fn launch(sockets: Vec<Opened>, plan: &Plan, stop: &watch::Receiver<bool>) -> Launched {
    let senders = sockets.iter().filter(|(_, s)| s.is_some()).count();
    let rate = if plan.rate > 0.0 {
        plan.rate / senders.max(1) as f64
    } else {
        0.0
    };
    let ledger = Arc::new(Ledger::new(plan.opts.window * senders));
    let body = "x".repeat(plan.opts.body_bytes.max(1));
    let mut launched = Launched {
        ledger: ledger.clone(),
        readers: JoinSet::new(),
        writers: JoinSet::new(),
        senders,
        messages: plan.messages_per_sender * senders as u64,
        deliveries: 0,
    };
    for (index, (ws, sends_to)) in sockets.into_iter().enumerate() {
        let (sink, stream) = ws.split();
        let window = sends_to
            .as_ref()
            .map(|_| Arc::new(Semaphore::new(plan.opts.window.max(1))));
        let reader = Reader {
            index,
            ledger: ledger.clone(),
            window: window.clone(),
            strict: plan.opts.strict,
        };
        launched.readers.spawn(reader.run(stream, stop.clone()));
        let (Some((conversation, members)), Some(window)) = (sends_to, window) else {
            continue;
        };
        launched.deliveries += u64::from(members) * plan.messages_per_sender;
        let sender = Sender {
            ledger: ledger.clone(),
            window,
            conversation,
            members,
            count: plan.messages_per_sender,
            rate,
            body: body.clone(),
        };
        launched.writers.spawn(sender.run(sink));
    }
    launched
}

/// Polls the counters until every send is answered and every delivery is in. After `stall`
/// without progress: an error while sends are unanswered; once they all are, a warning and
/// the report (which shows the missing deliveries).
async fn watch_progress(
    ledger: &Ledger,
    messages: u64,
    deliveries: u64,
    stall: Duration,
) -> Result<()> {
    let c = &ledger.counters;
    let mut last = (u64::MAX, 0);
    let (mut last_change, mut last_print) = (Instant::now(), Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if let Some(fatal) = ledger.fatal_error() {
            bail!("{fatal}");
        }
        let failures = c.failures.load(Relaxed);
        let answered = c.acks.load(Relaxed) + failures;
        let delivered = c.deliveries.load(Relaxed);
        // A refused send is delivered nowhere (every conversation has the same member count).
        let deliveries = deliveries - failures * (deliveries / messages.max(1));
        if answered >= messages && delivered >= deliveries {
            return Ok(());
        }
        let status =
            || format!("{answered}/{messages} sends answered, {delivered}/{deliveries} deliveries");
        let now = Instant::now();
        if (answered, delivered) != last {
            last = (answered, delivered);
            last_change = now;
        } else if now - last_change > stall {
            if answered < messages {
                bail!("no progress for {} s: {}", stall.as_secs(), status());
            }
            eprintln!(
                "warning: deliveries stopped short after all acks: {}",
                status()
            );
            return Ok(());
        }
        if now - last_print > Duration::from_secs(5) {
            last_print = now;
            eprintln!("… {}", status());
        }
    }
}
