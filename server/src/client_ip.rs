//! The client's address, for rate limits: the TCP peer, unless the peer is one of the
//! operator's `trusted_proxies`, in which case `X-Forwarded-For` is read from the right,
//! skipping the trusted hops, and the first address that isn't a trusted proxy is the client.
//! A header from anyone else is ignored, so no client can pick its own rate-limit bucket.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};
use ipnet::IpNet;

use crate::{AppState, error::ApiError};

/// `10.0.0.0/8` or a bare address (`127.0.0.1`, meaning /32 or /128).
pub fn parse_proxy(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The client address behind `peer`, given the proxies the operator trusts.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return canonical(peer);
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = canonical(peer);
    for hop in hops.iter().rev() {
        // A hop we can't read ends the chain: what lies beyond it can't be trusted.
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The client address of a request (see the module doc).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| ApiError::Internal("no peer address on the request".to_owned()))?;
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = vec![
            parse_proxy("10.0.0.0/8").unwrap(),
            parse_proxy("127.0.0.1").unwrap(),
        ];
        let cases: &[(&str, &[&str], &str)] = &[
            // Not a proxy: the header is whatever the client says, so it is ignored.
            ("203.0.113.9", &["1.2.3.4"], "203.0.113.9"),
            // The proxy's word for its client.
            ("127.0.0.1", &["198.51.100.7"], "198.51.100.7"),
            // A client that sends its own header can't get past the proxy's appended value.
            ("127.0.0.1", &["6.6.6.6, 198.51.100.7"], "198.51.100.7"),
            // Two trusted hops.
            ("127.0.0.1", &["198.51.100.7", "10.1.2.3"], "198.51.100.7"),
            // A proxy that sent no header: the proxy is the client.
            ("127.0.0.1", &[], "127.0.0.1"),
            // Garbage stops the walk at the last good hop.
            ("10.0.0.1", &["198.51.100.7, junk"], "10.0.0.1"),
            ("::ffff:127.0.0.1", &["2001:db8::1"], "2001:db8::1"),
        ];
        for (peer, xff, want) in cases {
            assert_eq!(
                client_address(ip(peer), &headers(xff), &trusted),
                ip(want),
                "peer {peer}, X-Forwarded-For {xff:?}"
            );
        }
        assert_eq!(
            client_address(ip("127.0.0.1"), &headers(&["198.51.100.7"]), &[]),
            ip("127.0.0.1"),
            "no trusted proxies: never the header"
        );
    }

    #[test]
    fn proxies_parse_as_cidrs_or_addresses() {
        assert!(parse_proxy("10.0.0.0/8").is_some());
        assert!(parse_proxy("::1").is_some());
        assert!(parse_proxy("fd00::/8").is_some());
        assert!(parse_proxy("proxy.local").is_none());
        assert!(parse_proxy("10.0.0.0/33").is_none());
    }
}
