//! `GET /api/v1/ws`: the realtime socket.
//!
//! The first client frame must be `hello` with an access token. Then one writer task
//! (hub queue, replies, pings, close on revoke/expiry/shutdown) and one reader loop
//! (send, typing) run until either ends. Replay after `hello` and live delivery are
//! stitched by cursor: the socket subscribes *before* reading the log, and the writer drops
//! live frames at or below the last cursor it already sent.

use std::time::Duration;

use axum::{
    Router,
    extract::{
        State,
        ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade},
    },
    response::Response,
    routing::get,
};
use futures_util::{
    SinkExt, StreamExt,
    stream::{FuturesUnordered, SplitSink},
};
use parley_protocol::{
    CLOSE_UNAUTHORIZED, ClientFrame, ErrorDetail, Message, SendMessageRequest, ServerFrame, UserId,
};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::{
    AppState,
    auth::token_hash,
    clock::now_ms,
    error::ApiError,
    hub::{Outbound, Subscriber, event_frame},
    ratelimit::Write,
    routes::{messages::check_send, sync::parse_cursor},
    store::{NewMessage, SessionAuth, StoreError, Ticket, cursor},
};

/// Sends per socket awaiting their commit before the socket stops reading.
const MAX_IN_FLIGHT: usize = 256;
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(30);
/// Close code for a first frame that isn't a valid `hello` (RFC 6455: policy violation).
const CLOSE_POLICY: u16 = 1008;
const CLOSE_GOING_AWAY: u16 = 1001;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/ws", get(upgrade))
}

/// GET /api/v1/ws
///
/// Upgrades to a WebSocket. Authentication is the first frame (`hello`), not a header, so
/// browsers and desktop webviews can connect the same way.
#[utoipa::path(get, path = "/api/v1/ws", tag = "sync", security(()), responses((status = 101, description = "Switching to the WebSocket protocol")))]
pub async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let max = state.config.ws_max_frame_bytes;
    // Small buffers: tungstenite's 128 KiB default read buffer is zero-filled per socket
    // and dominated idle memory (BUILD-NOTES: ~1.35 GB per 10k sockets vs ~100 MB).
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| run(state, socket))
}

fn frame_text(frame: &ServerFrame) -> Utf8Bytes {
    serde_json::to_string(frame).unwrap_or_default().into()
}

fn close(code: u16, reason: &str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn run(state: AppState, mut socket: WebSocket) {
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, socket.recv()).await {
        Ok(Some(Ok(WsMessage::Text(text)))) => serde_json::from_str::<ClientFrame>(&text).ok(),
        _ => None,
    };
    let Some(ClientFrame::Hello {
        access_token,
        since,
    }) = hello
    else {
        let _ = socket
            .send(close(CLOSE_POLICY, "the first frame must be a hello"))
            .await;
        return;
    };
    let Ok(Some(session)) = state
        .store
        .session_by_access(token_hash(access_token.expose()), now_ms())
        .await
    else {
        let _ = socket
            .send(close(CLOSE_UNAUTHORIZED, "invalid or expired access token"))
            .await;
        return;
    };
    let Ok(since) = since.as_ref().map(parse_cursor).transpose() else {
        let _ = socket
            .send(close(
                CLOSE_POLICY,
                "since is not a cursor this server issued",
            ))
            .await;
        return;
    };
    let (subscriber, queue) = state.hub.subscribe(
        session.user_id.clone(),
        session.session_id.clone(),
        state.config.ws_queue,
    );
    state.metrics.open_sockets.inc();
    let _ = state
        .store
        .touch_session(&session.session_id, now_ms())
        .await;
    state
        .relay
        .socket_opened(&*state.store, &session.user_id)
        .await;
    if let Err(e) = connected(&state, socket, &session, since, &subscriber, queue).await {
        tracing::debug!(error = %e, "websocket ended");
    }
    state.hub.unsubscribe(&subscriber);
    state
        .relay
        .socket_closed(&*state.store, &session.user_id)
        .await;
    state.metrics.open_sockets.dec();
}

type Sink = SplitSink<WebSocket, WsMessage>;

async fn connected(
    state: &AppState,
    socket: WebSocket,
    session: &SessionAuth,
    since: Option<i64>,
    subscriber: &Subscriber,
    queue: mpsc::Receiver<Outbound>,
) -> Result<(), axum::Error> {
    let (mut sink, stream) = socket.split();
    let latest = state.store.latest_event_id().await.unwrap_or(0);
    let ready = ServerFrame::Ready {
        user_id: session.user_id.clone(),
        cursor: cursor::encode(latest),
    };
    sink.send(WsMessage::Text(frame_text(&ready))).await?;
    for presence in state
        .relay
        .online_contacts(&*state.store, &session.user_id)
        .await
    {
        sink.send(WsMessage::Text(frame_text(&presence))).await?;
    }
    let last_sent = replay(state, &mut sink, &session.user_id, since, latest).await?;

    let (replies_tx, replies_rx) = mpsc::channel::<Utf8Bytes>(64);
    let writer = write_loop(
        state,
        sink,
        subscriber,
        queue,
        replies_rx,
        last_sent,
        session.access_expires_at,
    );
    let reader = read_loop(state, session, subscriber, stream, replies_tx);
    tokio::select! {
        result = writer => result,
        () = reader => Ok(()),
    }
}

/// Sends the events after `since`; too many means `resync` instead. Returns the last
/// cursor covered, from which live frames continue.
async fn replay(
    state: &AppState,
    sink: &mut Sink,
    user: &UserId,
    since: Option<i64>,
    latest: i64,
) -> Result<i64, axum::Error> {
    let Some(since) = since else {
        return Ok(latest);
    };
    let max = state.config.ws_replay_max as i64;
    let Ok((events, has_more)) = state.store.events_since(user, since, max).await else {
        sink.send(WsMessage::Text(frame_text(&ServerFrame::Resync)))
            .await?;
        return Ok(latest);
    };
    if has_more {
        sink.send(WsMessage::Text(frame_text(&ServerFrame::Resync)))
            .await?;
        return Ok(latest);
    }
    let mut last = since.max(latest);
    for event in events {
        let frame = event_frame(event.id, &event.json);
        sink.send(WsMessage::Text(frame.into())).await?;
        last = last.max(event.id);
    }
    Ok(last)
}

#[allow(clippy::too_many_arguments)]
async fn write_loop(
    state: &AppState,
    mut sink: Sink,
    subscriber: &Subscriber,
    mut queue: mpsc::Receiver<Outbound>,
    mut replies: mpsc::Receiver<Utf8Bytes>,
    mut last_sent: i64,
    access_expires_at: i64,
) -> Result<(), axum::Error> {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let until_expiry = Duration::from_millis((access_expires_at - now_ms()).max(0) as u64);
    let expiry = tokio::time::sleep(until_expiry);
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            Some(item) = queue.recv() => {
                if item.cursor == 0 || item.cursor > last_sent {
                    last_sent = last_sent.max(item.cursor);
                    sink.feed(WsMessage::Text(item.frame.as_ref().into())).await?;
                    // Write whatever else is queued in the same go: one flush per wake-up.
                    while let Ok(more) = queue.try_recv() {
                        if more.cursor == 0 || more.cursor > last_sent {
                            last_sent = last_sent.max(more.cursor);
                            sink.feed(WsMessage::Text(more.frame.as_ref().into())).await?;
                        }
                    }
                    sink.flush().await?;
                }
            }
            Some(reply) = replies.recv() => sink.send(WsMessage::Text(reply)).await?,
            () = subscriber.lag.notified() => {
                if subscriber.take_lagged() {
                    while queue.try_recv().is_ok() {}
                    sink.send(WsMessage::Text(frame_text(&ServerFrame::Resync))).await?;
                }
            }
            _ = ping.tick() => sink.send(WsMessage::Ping(Default::default())).await?,
            () = &mut expiry => {
                let _ = sink.send(close(CLOSE_UNAUTHORIZED, "access token expired")).await;
                return Ok(());
            }
            () = subscriber.close.cancelled() => {
                let _ = sink.send(close(CLOSE_UNAUTHORIZED, &subscriber.close_reason())).await;
                return Ok(());
            }
            () = state.shutdown.cancelled() => {
                let _ = sink.send(close(CLOSE_GOING_AWAY, "server shutting down")).await;
                return Ok(());
            }
        }
    }
}

fn error_frame(client_id: Option<uuid::Uuid>, error: &ApiError) -> ServerFrame {
    let ErrorDetail { code, message } = error.detail();
    let retry_after = match error {
        ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    };
    ServerFrame::Error {
        client_id,
        error: ErrorDetail { code, message },
        retry_after,
    }
}

/// What a client frame leads to.
enum Handled {
    Reply(Box<ServerFrame>),
    /// A send in line for the writer; its ack follows once it commits.
    Queued(Uuid, Ticket<(Message, bool)>),
    Nothing,
}

/// One client frame after `hello`.
async fn handle_frame(state: &AppState, session: &SessionAuth, text: &str) -> Handled {
    let user = &session.user_id;
    let frame = match serde_json::from_str::<ClientFrame>(text) {
        Ok(frame) => frame,
        Err(e) => {
            let error = ApiError::BadRequest {
                code: "invalid_frame",
                message: format!("not a valid frame: {e}"),
            };
            return Handled::Reply(Box::new(error_frame(None, &error)));
        }
    };
    match frame {
        ClientFrame::Send {
            conversation_id,
            client_id,
            body,
            reply_to,
            attachment_ids,
        } => {
            let req = SendMessageRequest {
                client_id,
                body,
                reply_to,
                attachment_ids,
            };
            // The socket authenticated once, at hello: the send's own transaction checks that
            // its session is still live, so a revoked session can't send even before its
            // socket has been closed (whichever process revoked it).
            let queued = match check_send(state, user, req) {
                Ok(new) => state
                    .store
                    .submit_message(
                        user,
                        &conversation_id,
                        NewMessage {
                            session: Some(session.session_id.clone()),
                            ..new
                        },
                    )
                    .await
                    .map_err(ApiError::from),
                Err(e) => Err(e),
            };
            match queued {
                Ok(ticket) => Handled::Queued(client_id, ticket),
                Err(e) => Handled::Reply(Box::new(error_frame(Some(client_id), &e))),
            }
        }
        ClientFrame::Typing { conversation_id } => {
            // Over the limit: dropped (not relayed), and the sender is told.
            if let Err(e) = state.limits.check_write(user, Write::Typing) {
                return Handled::Reply(Box::new(error_frame(None, &e)));
            }
            match state.store.member_ids(user, &conversation_id).await {
                Ok(members) => {
                    state.relay.typing(&conversation_id, user, &members).await;
                    Handled::Nothing
                }
                Err(e) => Handled::Reply(Box::new(error_frame(None, &e.into()))),
            }
        }
        ClientFrame::Hello { .. } => Handled::Reply(Box::new(error_frame(
            None,
            &ApiError::BadRequest {
                code: "already_authenticated",
                message: "hello was already sent".to_owned(),
            },
        ))),
    }
}

/// Reads client frames until the socket closes. Sends are pipelined: each is queued for
/// the writer in arrival order (so one socket's messages keep their order) and acked when
/// its commit lands, with up to [`MAX_IN_FLIGHT`] awaiting commit at once. A send refused
/// because the session was revoked closes the socket (4001).
async fn read_loop(
    state: &AppState,
    session: &SessionAuth,
    subscriber: &Subscriber,
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    replies: mpsc::Sender<Utf8Bytes>,
) {
    let mut in_flight = FuturesUnordered::new();
    loop {
        tokio::select! {
            message = stream.next(), if in_flight.len() < MAX_IN_FLIGHT => {
                let reply = match message {
                    Some(Ok(WsMessage::Text(_))) if subscriber.close.is_cancelled() => break,
                    Some(Ok(WsMessage::Text(text))) => match handle_frame(state, session, &text).await {
                        Handled::Reply(frame) => Some(*frame),
                        Handled::Queued(client_id, ticket) => {
                            in_flight.push(async move { (client_id, ticket.await) });
                            None
                        }
                        Handled::Nothing => None,
                    },
                    Some(Ok(WsMessage::Binary(_))) => {
                        Some(error_frame(None, &ApiError::invalid("frames are JSON text")))
                    }
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => None,
                    Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break,
                };
                if let Some(frame) = reply
                    && replies.send(frame_text(&frame)).await.is_err()
                {
                    break;
                }
            }
            Some((client_id, result)) = in_flight.next(), if !in_flight.is_empty() => {
                if matches!(result, Err(StoreError::SessionRevoked)) {
                    subscriber.close_with("session revoked");
                }
                let frame = match result {
                    Ok((message, _)) => ServerFrame::Ack { client_id, message },
                    Err(e) => error_frame(Some(client_id), &e.into()),
                };
                if replies.send(frame_text(&frame)).await.is_err() {
                    break;
                }
            }
        }
    }
}
