//! HTTP requests and fully read responses, with assertions that print the body on failure.

use reqwest::{StatusCode, header::HeaderMap};
use serde_json::Value;

use crate::fixture::TestUser;

/// Largest response body a test reads (attachments in tests are far smaller).
const MAX_READ: usize = 32 * 1024 * 1024;

/// A request being built.
pub struct Req(pub reqwest::RequestBuilder);

impl Req {
    pub fn auth(self, user: &TestUser) -> Self {
        self.bearer(&user.access_token)
    }
    pub fn bearer(self, token: &str) -> Self {
        Self(self.0.bearer_auth(token))
    }
    pub fn header(self, name: &str, value: &str) -> Self {
        Self(self.0.header(name, value))
    }
    pub fn json(self, body: &Value) -> Self {
        Self(self.0.json(body))
    }
    /// A raw body with an explicit Content-Type.
    pub fn raw(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self(
            self.0
                .header("content-type", content_type)
                .body(body.into()),
        )
    }
    pub async fn send(self) -> Resp {
        let mut resp = self.0.send().await.expect("the server answers the request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.expect("read the response body") {
            body.extend_from_slice(&chunk);
            assert!(
                body.len() <= MAX_READ,
                "response body larger than {MAX_READ} bytes"
            );
        }
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {} {}", self.status, self.text()))
    }

    /// Asserts the status (`why` says what was being done) and returns the JSON body
    /// (`Null` when empty).
    #[track_caller]
    pub fn expect(&self, status: u16, why: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{why}: got {} {}",
            self.status,
            self.text()
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts the status only, for bodies that are not JSON (files, health checks).
    #[track_caller]
    pub fn expect_status(&self, status: u16, why: &str) {
        let preview = String::from_utf8_lossy(&self.body[..self.body.len().min(500)]).into_owned();
        assert_eq!(
            self.status.as_u16(),
            status,
            "{why}: got {} {preview}",
            self.status
        );
    }

    /// Asserts the status and the contract's error shape; returns the error code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, why: &str) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{why}: got {} {}",
            self.status,
            self.text()
        );
        assert_error_shape(&self.json(), why)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// `{"error": {"code": "snake_case", "message": "..."}}` and nothing else; returns the code.
#[track_caller]
pub fn assert_error_shape(body: &Value, why: &str) -> String {
    let obj = body
        .as_object()
        .unwrap_or_else(|| panic!("{why}: error body is not an object: {body}"));
    assert_eq!(
        obj.len(),
        1,
        "{why}: error body has only the `error` key: {body}"
    );
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{why}: no error.code: {body}"));
    let snake = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    assert!(snake, "{why}: error.code is snake_case: {code:?}");
    let message = body["error"]["message"].as_str();
    assert!(
        message.is_some_and(|m| !m.is_empty()),
        "{why}: error.message is non-empty text: {body}"
    );
    code.to_owned()
}
