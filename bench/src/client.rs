//! Client-side figures (PRODUCT.md §5): local search over a large cache, catch-up of many
//! missed messages from a real server, and cache size on disk.
//!
//! `cache-search` needs no server: it fills a cache file with synthetic messages through the
//! same `Cache::upsert_messages` the engine uses, then times searches. `catch-up` fills one
//! conversation on a running server over REST, then times `Engine::catch_up` (the code path
//! of `parley sync` and of every reconnect) into a cache that has synced once before them.

use std::{sync::Arc, time::Instant};

use anyhow::{Context, Result};
use chrono::Utc;
use parley_client::{
    Engine,
    accounts::Account,
    api::{self, Api, OnRotate},
    cache::Cache,
    protocol::{
        Conversation, ConversationId, ConversationKind, CreateConversationRequest, Member, Message,
        MessageId, RegisterRequest, Role, SecretString, SendMessageRequest, UserId,
    },
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Messages in the cache.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: usize,
    /// Searches to time.
    #[arg(long, default_value_t = 300)]
    pub queries: usize,
}

#[derive(Debug, clap::Args)]
pub struct CatchUpArgs {
    /// Messages the client missed.
    #[arg(long, default_value_t = 100_000)]
    pub messages: usize,
}

#[derive(Debug, Serialize)]
pub struct SearchReport {
    pub messages: usize,
    pub fill_seconds: f64,
    pub cache_bytes: u64,
    pub bytes_per_100k: u64,
    pub queries: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct CatchUpReport {
    pub messages: usize,
    pub events_applied: usize,
    pub seconds: f64,
    pub events_per_second: f64,
    pub cache_bytes: u64,
}

const WORDS: &[&str] = &[
    "hello", "meeting", "tomorrow", "lunch", "deploy", "release", "coffee", "review", "merge",
    "build", "server", "client", "parley", "weekend", "holiday", "invoice", "design", "sketch",
    "photo", "travel", "ticket", "flight", "hotel", "dinner", "thanks", "sorry", "great", "idea",
    "budget", "launch", "draft", "report",
];

fn body(rng: &mut StdRng) -> String {
    let n = rng.random_range(4..16);
    let mut words: Vec<String> = (0..n)
        .map(|_| {
            // Zipf-ish: common words often, the rest rarely, plus a unique-ish token.
            let i = (rng.random::<f64>().powi(3) * WORDS.len() as f64) as usize;
            WORDS[i.min(WORDS.len() - 1)].to_owned()
        })
        .collect();
    words.push(format!("tok{}", rng.random_range(0..200_000)));
    words.join(" ")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn conversation(i: usize, me: &UserId) -> Conversation {
    Conversation {
        id: ConversationId::new(format!("bench-conversation-{i}")),
        kind: ConversationKind::Group,
        title: Some(format!("Group {i}")),
        members: vec![Member {
            user_id: me.clone(),
            role: Role::Admin,
            last_read_seq: 0,
        }],
        created_at: Utc::now(),
        last_message: None,
        unread_count: 0,
        last_read_seq: 0,
        mention_count: 0,
        notify: Default::default(),
        muted_until: None,
        marked_unread: false,
    }
}

pub fn cache_search(args: &SearchArgs) -> Result<SearchReport> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let mut cache = Cache::open(&path)?;
    let me = UserId::new("bench-user");
    let conversations: Vec<Conversation> = (0..10).map(|i| conversation(i, &me)).collect();
    for c in &conversations {
        cache.upsert_conversation(c)?;
    }
    let mut rng = StdRng::seed_from_u64(7);
    let started = Instant::now();
    let mut seqs = [0i64; 10];
    let mut batch = Vec::with_capacity(10_000);
    for n in 0..args.messages {
        let c = n % 10;
        seqs[c] += 1;
        batch.push(Message {
            id: MessageId::new(format!("m{n:08}")),
            conversation_id: conversations[c].id.clone(),
            sender_id: me.clone(),
            client_id: uuid::Uuid::new_v4(),
            seq: seqs[c],
            body: body(&mut rng),
            reply_to: None,
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: Vec::new(),
        });
        if batch.len() == 10_000 {
            cache.upsert_messages(&batch)?;
            batch.clear();
        }
    }
    cache.upsert_messages(&batch)?;
    let fill_seconds = started.elapsed().as_secs_f64();
    drop(cache);
    let cache = Cache::open(&path)?;
    let cache_bytes = file_size(&path);
    let mut timings = Vec::with_capacity(args.queries);
    for q in 0..args.queries {
        let query = match q % 3 {
            0 => WORDS[rng.random_range(0..WORDS.len())].to_owned(),
            1 => format!("tok{}", rng.random_range(0..200_000)),
            _ => WORDS[rng.random_range(0..WORDS.len())][..3].to_owned(),
        };
        let t = Instant::now();
        let results = cache.search(&query, None, 50)?;
        timings.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(results);
    }
    timings.sort_by(f64::total_cmp);
    Ok(SearchReport {
        messages: args.messages,
        fill_seconds,
        cache_bytes,
        bytes_per_100k: cache_bytes * 100_000 / args.messages.max(1) as u64,
        queries: args.queries,
        p50_ms: percentile(&timings, 0.50),
        p95_ms: percentile(&timings, 0.95),
        max_ms: percentile(&timings, 1.0),
    })
}

fn file_size(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("db-wal");
    std::fs::metadata(path).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
}

fn no_keyring() -> OnRotate {
    Arc::new(|_token: SecretString| Box::pin(async { Ok(()) }))
}

pub async fn catch_up(server: &str, args: &CatchUpArgs) -> Result<CatchUpReport> {
    let server = api::normalize_server(server)?;
    let name = format!("cu{}", rand::random::<u32>());
    let register = RegisterRequest {
        username: name.clone(),
        password: SecretString::new("bench-password"),
        display_name: None,
        device_name: None,
    };
    let auth = api::register(&server, &register)
        .await
        .context("register (is the server running, rate limit off?)")?;
    let sender = Arc::new(Api::from_session(&server, &auth.session, no_keyring())?);
    let group = CreateConversationRequest {
        kind: ConversationKind::Group,
        title: Some("catch-up".to_owned()),
        member_ids: vec![],
    };
    let conversation = sender.create_conversation(&group).await?;
    let login = parley_client::protocol::LoginRequest {
        username: name.clone(),
        password: SecretString::new("bench-password"),
        device_name: None,
    };
    let fresh = api::login(&server, &login).await?;
    let home = tempfile::tempdir()?;
    let account = Account {
        server: server.clone(),
        username: name,
        user_id: fresh.user.id.clone(),
    };
    let engine = Engine::open(home.path(), account.clone())?;
    engine.set_api(Api::from_session(&server, &fresh.session, no_keyring())?);
    // The first sync (a backfill of nothing yet) sets the cursor: what follows is "missed".
    engine.catch_up().await?;
    eprintln!("sending {} messages…", args.messages);
    let per_task = args.messages.div_ceil(32);
    let mut tasks = Vec::new();
    for t in 0..32 {
        let (api, id) = (sender.clone(), conversation.id.clone());
        let count = per_task.min(args.messages.saturating_sub(t * per_task));
        tasks.push(tokio::spawn(async move {
            for i in 0..count {
                let request = SendMessageRequest {
                    client_id: uuid::Uuid::new_v4(),
                    body: format!("catch-up message {t}-{i}"),
                    reply_to: None,
                    attachment_ids: vec![],
                };
                api.send_message(&id, &request).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    eprintln!("catching up {} missed messages…", args.messages);
    let started = Instant::now();
    let applied = engine.catch_up().await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(CatchUpReport {
        messages: args.messages,
        events_applied: applied,
        seconds,
        events_per_second: applied as f64 / seconds.max(f64::EPSILON),
        cache_bytes: file_size(&account.cache_path(home.path())),
    })
}

impl SearchReport {
    pub fn human(&self) -> String {
        format!(
            "cache-search: {} messages (filled in {:.1} s), cache {:.1} MiB ({:.1} MiB per 100k)\n  {} searches (limit 50, newest first): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms\n",
            self.messages,
            self.fill_seconds,
            self.cache_bytes as f64 / 1048576.0,
            self.bytes_per_100k as f64 / 1048576.0,
            self.queries,
            self.p50_ms,
            self.p95_ms,
            self.max_ms
        )
    }
}

impl CatchUpReport {
    pub fn human(&self) -> String {
        format!(
            "catch-up: {} missed messages, {} events applied in {:.2} s ({:.0} events/s), cache {:.1} MiB\n",
            self.messages,
            self.events_applied,
            self.seconds,
            self.events_per_second,
            self.cache_bytes as f64 / 1048576.0
        )
    }
}
