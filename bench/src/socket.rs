//! One WebSocket to `GET /api/v1/ws`: connect, `hello`, wait for `ready`; and reading the
//! frames the figures need.
//!
//! The TCP connection is made here rather than by `connect_async` so a client socket can be
//! bound to a chosen source address (one 127.0.0.x holds only ~28k ephemeral ports) and so
//! the address connected to is always the one resolved from `--server`.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use parley_protocol::{ClientFrame, ErrorDetail, EventPayload, SecretString, ServerFrame};
use reqwest::Url;
use serde::Deserialize;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

pub type Ws = WebSocketStream<TcpStream>;

/// Connect, upgrade, and `ready`: each step must finish within this.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the server is: the REST base URL, the WebSocket URL and the resolved address.
#[derive(Clone, Debug)]
pub struct Target {
    pub base: Url,
    pub ws_url: String,
    pub addr: SocketAddr,
    /// Another instance of the same cluster for the sockets that only receive
    /// (`--receive-server`), so that deliveries cross instances.
    pub receivers: Option<Box<Target>>,
}

impl Target {
    /// Resolves `--server` (an `http://host:port` URL) once, up front.
    pub async fn resolve(server: &str) -> Result<Self> {
        let mut base = Url::parse(server).with_context(|| format!("--server {server:?}"))?;
        if base.scheme() != "http" {
            bail!("--server must be an http:// URL (parley-bench speaks no TLS), got {server}");
        }
        // `host_str` keeps the brackets of an IPv6 literal, so both strings below parse.
        let host = base.host_str().context("--server has no host")?.to_owned();
        let authority = match base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        let port = base.port_or_known_default().unwrap_or(80);
        let addr = tokio::net::lookup_host(format!("{host}:{port}"))
            .await
            .with_context(|| format!("resolving {host}"))?
            .next()
            .with_context(|| format!("{host} does not resolve"))?;
        base.set_path("/");
        Ok(Self {
            ws_url: format!("ws://{authority}/api/v1/ws"),
            base,
            addr,
            receivers: None,
        })
    }
}

/// Buffer sizes for a socket that carries traffic.
pub fn busy_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(32 * 1024)
}

/// Buffer sizes for a socket that only sits there: tungstenite's default read buffer is
/// 128 KiB, allocated and zero-filled per socket, which at 20k sockets is gigabytes.
pub fn idle_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

/// Opens one socket and says `hello` with `since: null`; returns once `ready` has arrived.
pub async fn open(
    target: &Target,
    token: &SecretString,
    config: WebSocketConfig,
    source: Option<IpAddr>,
) -> Result<Ws> {
    let socket = if target.addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip, 0))
            .with_context(|| format!("bind to {ip}"))?;
    }
    let tcp = timeout(STEP_TIMEOUT, socket.connect(target.addr))
        .await
        .map_err(|_| anyhow!("connect to {} timed out", target.addr))?
        .with_context(|| format!("connect to {}", target.addr))?;
    tcp.set_nodelay(true)?;
    let (mut ws, _) = timeout(
        STEP_TIMEOUT,
        tokio_tungstenite::client_async_with_config(target.ws_url.as_str(), tcp, Some(config)),
    )
    .await
    .map_err(|_| anyhow!("WebSocket upgrade timed out"))?
    .context("WebSocket upgrade of GET /api/v1/ws")?;
    let hello = ClientFrame::Hello {
        access_token: token.clone(),
        since: None,
    };
    ws.send(Message::text(serde_json::to_string(&hello)?))
        .await?;
    timeout(STEP_TIMEOUT, wait_ready(&mut ws))
        .await
        .map_err(|_| anyhow!("no `ready` within {} s of `hello`", STEP_TIMEOUT.as_secs()))??;
    Ok(ws)
}

async fn wait_ready(ws: &mut Ws) -> Result<()> {
    while let Some(message) = ws.next().await {
        match message? {
            Message::Text(text) => {
                match serde_json::from_str::<ServerFrame>(&text)
                    .with_context(|| format!("unexpected frame before `ready`: {text}"))?
                {
                    ServerFrame::Ready { .. } => return Ok(()),
                    ServerFrame::Error { error, .. } => {
                        bail!("`hello` refused: {} ({})", error.code, error.message)
                    }
                    _ => {}
                }
            }
            Message::Close(frame) => bail!("closed before `ready`: {}", describe_close(frame)),
            _ => {}
        }
    }
    bail!("socket ended before `ready`")
}

pub fn describe_close(
    frame: Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>,
) -> String {
    match frame {
        Some(f) => format!("code {} {:?}", u16::from(f.code), f.reason.as_str()),
        None => "no close frame".to_owned(),
    }
}

/// What a frame means to the figures.
#[derive(Debug)]
pub enum Incoming {
    /// A `message.created` event; the message's `client_id`.
    Delivery(Uuid),
    Ack(Uuid),
    Failed(Option<Uuid>, ErrorDetail),
    Resync,
    Other,
}

/// Reads a server frame. The default view reads only the fields the figures need: parsing
/// every frame into `ServerFrame` (owned strings, RFC 3339 times) costs this process CPU that
/// it shares with the server under test. `strict` parses into `ServerFrame` instead, which also
/// checks each frame against the wire contract.
pub fn classify(text: &str, strict: bool) -> Result<Incoming> {
    if strict {
        let frame: ServerFrame =
            serde_json::from_str(text).with_context(|| format!("not a ServerFrame: {text}"))?;
        return Ok(match frame {
            ServerFrame::Event { event, .. } => match event.payload {
                EventPayload::MessageCreated(m) => Incoming::Delivery(m.client_id),
                _ => Incoming::Other,
            },
            ServerFrame::Ack { client_id, .. } => Incoming::Ack(client_id),
            ServerFrame::Error {
                client_id, error, ..
            } => Incoming::Failed(client_id, error),
            ServerFrame::Resync => Incoming::Resync,
            _ => Incoming::Other,
        });
    }
    let frame: FrameView<'_> =
        serde_json::from_str(text).with_context(|| format!("unreadable frame: {text}"))?;
    Ok(match frame.kind.as_ref() {
        "event" => match frame.event {
            Some(EventView {
                kind,
                data: Some(DataView {
                    client_id: Some(id),
                }),
            }) if kind == "message.created" => Incoming::Delivery(id),
            _ => Incoming::Other,
        },
        "ack" => Incoming::Ack(frame.client_id.context("`ack` without client_id")?),
        "error" => Incoming::Failed(
            frame.client_id,
            frame.error.unwrap_or_else(|| ErrorDetail {
                code: "missing".to_owned(),
                message: text.to_owned(),
            }),
        ),
        "resync" => Incoming::Resync,
        _ => Incoming::Other,
    })
}

#[derive(Deserialize)]
struct FrameView<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    client_id: Option<Uuid>,
    #[serde(default, borrow)]
    event: Option<EventView<'a>>,
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct EventView<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    data: Option<DataView>,
}

#[derive(Deserialize)]
struct DataView {
    #[serde(default)]
    client_id: Option<Uuid>,
}
