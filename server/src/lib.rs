//! parley-server: the Parley REST + WebSocket server on embedded SQLite.
//!
//! A library with a thin binary: [`serve`] is what `main.rs` and the tests both call.

mod auth;
mod client_ip;
mod clock;
pub mod config;
mod error;
mod extract;
mod housekeeping;
mod hub;
pub mod metrics;
mod openapi;
mod presence;
mod ratelimit;
mod relay;
mod routes;
pub mod store;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, extract::DefaultBodyLimit, http::HeaderValue, middleware};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

pub use config::{Config, Toggle};
pub use openapi::openapi_json;

use crate::{hub::Hub, metrics::Metrics, ratelimit::Limits, store::Store};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub(crate) config: Arc<Config>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) hub: Arc<Hub>,
    /// Typing and revocations go through here, so that other instances hear of them too.
    pub(crate) relay: Arc<relay::Relay>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) limits: Arc<Limits>,
    /// `config.trusted_proxies`, parsed.
    pub(crate) trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    pub(crate) thumbnails: Arc<routes::attachments::Thumbnails>,
    /// Cancelled on shutdown: WebSockets close with 1001.
    pub(crate) shutdown: tokio_util::sync::CancellationToken,
}

/// Opens the store under `config.data_dir` and serves until `shutdown` resolves; then stops
/// accepting, closes WebSockets with 1001 ("going away"), lets in-flight requests finish and
/// returns once every acknowledged write has committed.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let metrics = Arc::new(Metrics::default());
    let hub = Arc::new(Hub::default());
    let (relay, sink, pending) =
        relay::Relay::connect(&config.nats_url, hub.clone(), metrics.clone()).await?;
    let store = store::open(&config, sink, metrics.clone()).await?;
    let stopping = tokio_util::sync::CancellationToken::new();
    if let Some(pending) = pending {
        relay
            .start(pending, store.clone(), metrics.clone(), stopping.clone())
            .await?;
    }
    let state = AppState {
        relay,
        limits: Limits::new(&config),
        thumbnails: routes::attachments::Thumbnails::new(config.thumbnail_workers),
        trusted_proxies: Arc::new(
            config
                .trusted_proxies
                .iter()
                .filter_map(|p| client_ip::parse_proxy(p))
                .collect(),
        ),
        config: Arc::new(config),
        store,
        hub,
        metrics,
        shutdown: stopping,
    };
    let app = router(state.clone());
    let address = listener.local_addr()?;
    tracing::info!("listening on http://{address}");
    let housekeeping = tokio::spawn(housekeeping::run(state.clone()));
    let cancel = state.shutdown.clone();
    // Chat frames are small and latency matters more than packet count: no Nagle delay.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: closing WebSockets, finishing requests");
        cancel.cancel();
    })
    .await?;
    housekeeping.abort();
    tracing::info!("stopped");
    Ok(())
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.config.request_timeout);
    let api = routes::api(state.clone()).layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        timeout,
    ));
    let mut app = Router::new()
        .merge(api)
        .merge(routes::streaming(state.clone()))
        .merge(routes::system(state.clone()))
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(state.config.max_request_bytes))
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("unmatched", |p| p.as_str());
                tracing::info_span!("request", method = %request.method(), route, user.id = tracing::field::Empty)
            }),
        );
    if !state.config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state
            .config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods(tower_http::cors::Any)
                .allow_headers(tower_http::cors::Any)
                .expose_headers([axum::http::header::RETRY_AFTER]),
        );
    }
    app
}

/// Hashes a password as registration does (for `parley-server admin`).
pub async fn hash_password_for_admin(
    password: parley_protocol::SecretString,
) -> anyhow::Result<String> {
    auth::hash_password(password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}
