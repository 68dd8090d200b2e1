//! The traffic scenarios: who is registered, which conversations exist, and who sends.
//! The sending and measuring itself is `traffic::run`.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::setup::{Api, BenchUser, run_prefix};
use crate::socket::Target;
use crate::stats::TrafficReport;
use crate::traffic::{self, Plan, SocketPlan, TrafficOpts};

/// `group`: one group with every user in it; the senders send, everyone receives.
#[derive(Clone, Debug, clap::Args)]
pub struct GroupArgs {
    /// Members who only receive.
    #[arg(long, default_value_t = 10)]
    pub receivers: usize,
    /// Members who send (they receive too: every member gets every message).
    #[arg(long, default_value_t = 1)]
    pub senders: usize,
    /// Messages each sender sends.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u64,
    /// Target messages/s over all senders; 0 = as fast as the window allows.
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    #[command(flatten)]
    pub traffic: TrafficOpts,
}

/// `dm`: `pairs` direct conversations; one side of each sends.
#[derive(Clone, Debug, clap::Args)]
pub struct DmArgs {
    #[arg(long, default_value_t = 10)]
    pub pairs: usize,
    /// Messages each sending side sends.
    #[arg(long, default_value_t = 1_000)]
    pub messages: u64,
    /// Target messages/s over all pairs; 0 = as fast as the window allows.
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    #[command(flatten)]
    pub traffic: TrafficOpts,
}

/// `latency`: one sender paced at a fixed rate into a group (§5: p99 at 2,000 msg/s).
#[derive(Clone, Debug, clap::Args)]
pub struct LatencyArgs {
    /// Messages per second.
    #[arg(long, default_value_t = 2_000.0)]
    pub rate: f64,
    /// How long to send for.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    #[arg(long, default_value_t = 10)]
    pub receivers: usize,
    #[command(flatten)]
    pub traffic: TrafficOpts,
}

pub async fn group(target: &Target, args: GroupArgs, stall: Duration) -> Result<TrafficReport> {
    ensure!(args.senders >= 1, "--senders must be at least 1");
    ensure!(args.rate >= 0.0, "--rate must not be negative");
    let shape = GroupShape {
        receivers: args.receivers,
        senders: args.senders,
    };
    let plan = one_group(
        target,
        "group",
        shape,
        args.messages,
        args.rate,
        args.traffic,
    )
    .await?;
    traffic::run(target, Plan { stall, ..plan }).await
}

pub async fn latency(target: &Target, args: LatencyArgs, stall: Duration) -> Result<TrafficReport> {
    ensure!(args.rate > 0.0, "--rate must be positive");
    let messages = (args.rate * args.seconds as f64).round() as u64;
    let shape = GroupShape {
        receivers: args.receivers,
        senders: 1,
    };
    let plan = one_group(target, "latency", shape, messages, args.rate, args.traffic).await?;
    traffic::run(target, Plan { stall, ..plan }).await
}

struct GroupShape {
    receivers: usize,
    senders: usize,
}

/// Registers `senders + receivers` users and puts them all in one group created by the first
/// sender; the first `senders` users send `messages` each.
async fn one_group(
    target: &Target,
    scenario: &'static str,
    shape: GroupShape,
    messages: u64,
    rate: f64,
    opts: TrafficOpts,
) -> Result<Plan> {
    let started = Instant::now();
    let api = Api::new(target.base.clone())?;
    let prefix = format!("{}g", run_prefix());
    let count = shape.senders + shape.receivers;
    eprintln!("registering {count} users…");
    let users = api.register_many(&prefix, count).await?;
    let conversation = api
        .create_group(&users[0], &format!("bench {prefix}"), &users[1..])
        .await?;
    let members = u32::try_from(users.len())?;
    let sockets = users
        .into_iter()
        .enumerate()
        .map(|(i, user)| SocketPlan {
            user,
            sends_to: (i < shape.senders).then(|| (conversation.clone(), members)),
        })
        .collect();
    Ok(Plan {
        scenario,
        sockets,
        conversations: 1,
        messages_per_sender: messages,
        rate,
        opts,
        stall: Duration::from_secs(30),
        setup_started: started,
    })
}

pub async fn dm(target: &Target, args: DmArgs, stall: Duration) -> Result<TrafficReport> {
    ensure!(args.pairs >= 1, "--pairs must be at least 1");
    ensure!(args.rate >= 0.0, "--rate must not be negative");
    let started = Instant::now();
    let api = Api::new(target.base.clone())?;
    let prefix = format!("{}d", run_prefix());
    eprintln!("registering {} users…", 2 * args.pairs);
    let users = api.register_many(&prefix, 2 * args.pairs).await?;
    let mut sockets = Vec::with_capacity(users.len());
    let mut users = users.into_iter();
    while let (Some(a), Some(b)) = (users.next(), users.next()) {
        let conversation = api.create_direct(&a, &b).await?;
        sockets.push(sender_and_receiver(a, b, conversation));
    }
    let plan = Plan {
        scenario: "dm",
        sockets: sockets.into_iter().flatten().collect(),
        conversations: args.pairs,
        messages_per_sender: args.messages,
        rate: args.rate,
        opts: args.traffic,
        stall,
        setup_started: started,
    };
    traffic::run(target, plan).await
}

fn sender_and_receiver(
    a: BenchUser,
    b: BenchUser,
    conversation: parley_protocol::ConversationId,
) -> [SocketPlan; 2] {
    [
        SocketPlan {
            user: a,
            sends_to: Some((conversation, 2)),
        },
        SocketPlan {
            user: b,
            sends_to: None,
        },
    ]
}
