//! A WebSocket client speaking the contract's JSON frames, with timeouts on every wait.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message as WsMessage, protocol::CloseFrame},
};

use crate::fixture::WAIT;

type WsStream = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client speaking the contract's JSON frames.
pub struct Ws {
    pub stream: WsStream,
    /// The `ready` frame (Null before hello).
    pub ready: Value,
}

impl Ws {
    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(WsMessage::text(frame.to_string()))
            .await
            .expect("send a WebSocket frame");
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.stream
            .send(message)
            .await
            .expect("send a WebSocket frame");
    }

    /// The next text frame as JSON; fails on close, end of stream or [`WAIT`].
    pub async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a WebSocket frame arrives in time")
                .expect("the WebSocket is still open")
                .expect("the WebSocket reads cleanly");
            match msg {
                WsMessage::Text(text) => {
                    return serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("server frame is not JSON ({e}): {text}"));
                }
                WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next text frame as JSON, or `None` once the server closes or drops the socket.
    pub async fn next_or_close(&mut self) -> Option<Value> {
        loop {
            let next = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame or a close arrives in time");
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    return Some(
                        serde_json::from_str(&text)
                            .unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
                    );
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_)) | Err(_)) | None => return None,
                Some(Ok(other)) => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next frame whose `type` is `kind`, skipping others (e.g. events when waiting for an ack).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        for _ in 0..10_000 {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
        }
        panic!("no {kind} frame among the next 10000");
    }

    /// Waits for the server to close the socket, skipping any pending frames. Returns the
    /// close code and reason when a close frame came, `None` when the connection just ended.
    pub async fn closed(&mut self) -> Option<(u16, String)> {
        loop {
            let next = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("the server closes the WebSocket in time");
            match next {
                Some(Ok(WsMessage::Close(frame))) => {
                    return frame
                        .map(|CloseFrame { code, reason }| (u16::from(code), reason.to_string()));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }
}
