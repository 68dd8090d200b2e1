//! Prometheus metrics, served as text at `GET /metrics`.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pub open_sockets: Gauge,
    pub messages_stored: Gauge,
    write_batch_size: Histogram,
    write_batch_seconds: Histogram,
    /// Password checks run (argon2), wrong or right: every login attempt runs one.
    pub password_checks: Counter,
    /// Thumbnails decoded (successfully or not): once per file.
    pub thumbnails_made: Counter,
    /// 1 while connected to the broker (NATS), 0 otherwise or without one.
    pub broker_connected: Gauge,
    /// Times this instance read events back from the database to deliver them (another
    /// instance's commits it heard of, or a gap it noticed).
    pub relay_catchups: Counter,
    /// Events committed (as far as this instance knows) but not yet delivered to its sockets.
    pub relay_lag: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("parley");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
        });
        let open_sockets = Gauge::default();
        let messages_stored = Gauge::default();
        let write_batch_size = Histogram::new([
            1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
        ]);
        let write_batch_seconds = Histogram::new([
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
        ]);
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "websocket_connections",
            "Open WebSocket connections",
            open_sockets.clone(),
        );
        registry.register(
            "messages_stored",
            "Messages in the store",
            messages_stored.clone(),
        );
        registry.register(
            "write_batch_size",
            "Jobs committed per write transaction",
            write_batch_size.clone(),
        );
        registry.register(
            "write_batch_seconds",
            "Time to run and commit one write transaction",
            write_batch_seconds.clone(),
        );
        let password_checks = Counter::default();
        let thumbnails_made = Counter::default();
        registry.register(
            "password_checks",
            "Password verifications run (argon2)",
            password_checks.clone(),
        );
        registry.register(
            "thumbnails_made",
            "Pictures decoded to make a thumbnail",
            thumbnails_made.clone(),
        );
        let broker_connected = Gauge::default();
        let relay_catchups = Counter::default();
        let relay_lag = Gauge::default();
        registry.register(
            "broker_connected",
            "1 while connected to NATS",
            broker_connected.clone(),
        );
        registry.register(
            "relay_catchups",
            "Event read-backs from the database for delivery",
            relay_catchups.clone(),
        );
        registry.register(
            "relay_lag",
            "Events known committed but not yet delivered here",
            relay_lag.clone(),
        );
        Self {
            broker_connected,
            relay_catchups,
            relay_lag,
            password_checks,
            thumbnails_made,
            registry: Mutex::new(registry),
            requests,
            latency,
            open_sockets,
            messages_stored,
            write_batch_size,
            write_batch_seconds,
        }
    }
}

impl Metrics {
    pub fn observe_write_batch(&self, size: usize, took: Duration) {
        self.write_batch_size.observe(size as f64);
        self.write_batch_seconds.observe(took.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}

/// Counts and times every request by its matched route (never the raw URI, which holds ids).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // Only the methods we serve become labels: a made-up method (anyone may send one, and
    // /metrics is public) must not grow the label set without bound.
    let method = match request.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m,
        _ => "other",
    }
    .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
