//! Attachments: raw upload, sha256, who may read, who may attach, thumbnails, size limit.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::fixture::{Resp, TestServer, TestUser, id_of, new_client_id};

async fn upload(
    s: &TestServer,
    user: &TestUser,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Resp {
    let url = s.url_q("/api/v1/attachments", &[("name", name)]);
    s.post(&url)
        .auth(user)
        .raw(content_type, bytes.to_vec())
        .send()
        .await
}

async fn send_body(s: &TestServer, user: &TestUser, conv: &str, body: &str, ids: Value) -> Resp {
    let body = json!({"client_id": new_client_id(), "body": body, "attachment_ids": ids});
    s.post(&format!("/api/v1/conversations/{conv}/messages"))
        .auth(user)
        .json(&body)
        .send()
        .await
}

async fn send_with(s: &TestServer, user: &TestUser, conv: &str, ids: Value) -> Resp {
    send_body(s, user, conv, "see attached", ids).await
}

#[tokio::test]
async fn upload_describes_the_file() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bytes = b"hello, attachment\n\x00\xff binary too";
    let meta = upload(&s, &alice, "notes.txt", "text/plain", bytes)
        .await
        .expect(201, "upload");
    assert!(
        meta["id"].as_str().is_some_and(|id| !id.is_empty()),
        "id: {meta}"
    );
    assert_eq!(meta["size"], bytes.len(), "size in bytes");
    assert_eq!(meta["content_type"], "text/plain");
    assert_eq!(meta["name"], "notes.txt", "name comes from ?name=");
    assert_eq!(
        meta["sha256"],
        hex::encode(Sha256::digest(bytes)),
        "lower-case hex sha256 of the content"
    );
    let got = s
        .get(&format!("/api/v1/attachments/{}", id_of(&meta)))
        .auth(&alice)
        .send()
        .await;
    got.expect_status(200, "the uploader reads it back");
    assert_eq!(got.body, bytes, "served byte for byte");
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("text/plain"),
        "served with its Content-Type"
    );
}

#[tokio::test]
async fn readable_by_members_of_a_conversation_it_was_sent_in_only() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let carol = s.register("carol").await;
    let meta = upload(&s, &alice, "plan.txt", "text/plain", b"the plan")
        .await
        .expect(201, "upload");
    let path = format!("/api/v1/attachments/{}", id_of(&meta));
    s.get(&path)
        .auth(&bob)
        .send()
        .await
        .expect_error(404, "not yet sent anywhere bob is");
    let conv = s.direct(&alice, &bob).await;
    let m = send_with(&s, &alice, &conv, json!([meta["id"]]))
        .await
        .expect(201, "send with attachment");
    assert_eq!(
        m["attachments"],
        json!([meta]),
        "the message carries the attachment description"
    );
    let got = s.get(&path).auth(&bob).send().await;
    got.expect_status(200, "a member of the conversation reads it");
    assert_eq!(got.body, b"the plan");
    s.get(&path)
        .auth(&carol)
        .send()
        .await
        .expect_error(404, "an outsider gets 404");
    s.get("/api/v1/attachments/no-such-id")
        .auth(&alice)
        .send()
        .await
        .expect_error(404, "unknown id");
}

#[tokio::test]
async fn former_members_lose_access() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let group = s.group(&alice, "G", &[&bob]).await;
    let meta = upload(&s, &alice, "g.txt", "text/plain", b"group file")
        .await
        .expect(201, "upload");
    send_with(&s, &alice, &group, json!([meta["id"]]))
        .await
        .expect(201, "send it to the group");
    let path = format!("/api/v1/attachments/{}", id_of(&meta));
    s.get(&path)
        .auth(&bob)
        .send()
        .await
        .expect_status(200, "a member reads it");
    let leave = format!("/api/v1/conversations/{group}/members/{}", bob.id);
    let resp = s.delete(&leave).auth(&alice).send().await;
    assert_eq!(resp.status.as_u16(), 204, "remove bob: {}", resp.text());
    s.get(&path)
        .auth(&bob)
        .send()
        .await
        .expect_error(404, "a former member no longer reads it");
}

#[tokio::test]
async fn only_the_uploader_may_attach() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let meta = upload(&s, &alice, "mine.txt", "text/plain", b"mine")
        .await
        .expect(201, "upload");
    let resp = send_with(&s, &bob, &conv, json!([meta["id"]])).await;
    resp.expect_error(400, "bob attaches alice's upload");
    let resp = send_with(&s, &bob, &conv, json!(["no-such-attachment"])).await;
    resp.expect_error(400, "an unknown attachment id");
    assert!(
        s.messages(&alice, &conv, "").await.is_empty(),
        "refused sends stored nothing"
    );
    let path = format!("/api/v1/attachments/{}", id_of(&meta));
    s.get(&path)
        .auth(&bob)
        .send()
        .await
        .expect_error(404, "the refused attempt granted no access");
}

/// PRODUCT.md §2: a message with at least one attachment may have an empty body (a file sent
/// on its own); without one, an empty or blank body is still refused.
#[tokio::test]
async fn a_file_may_be_sent_alone() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let conv = s.direct(&alice, &bob).await;
    let meta = upload(&s, &alice, "alone.txt", "text/plain", b"just the file")
        .await
        .expect(201, "upload");
    for body in ["", " \n\t"] {
        send_body(&s, &alice, &conv, body, json!([]))
            .await
            .expect_error(400, "an empty body without attachments is refused");
    }
    let m = send_body(&s, &alice, &conv, "", json!([meta["id"]]))
        .await
        .expect(201, "a file alone, no text");
    assert_eq!(m["body"], "", "the empty body is kept as sent");
    assert_eq!(m["attachments"], json!([meta]), "the attachment is carried");
    let mut ws = s.ws(&alice, None).await;
    let alone = new_client_id();
    ws.send(
        json!({"type": "send", "conversation_id": conv, "client_id": alone,
                   "body": "", "attachment_ids": [meta["id"]]}),
    )
    .await;
    let ack = ws.next_of("ack").await;
    assert_eq!(
        ack["client_id"],
        alone.as_str(),
        "accepted over the socket too: {ack}"
    );
    let refused = new_client_id();
    ws.send(json!({"type": "send", "conversation_id": conv, "client_id": refused, "body": " "}))
        .await;
    let err = ws.next_of("error").await;
    assert_eq!(err["client_id"], refused.as_str(), "{err}");
    assert_eq!(err["error"]["code"], "invalid_input", "{err}");
    assert_eq!(
        s.messages(&bob, &conv, "").await.len(),
        2,
        "the two files, not the blank message"
    );
}

#[tokio::test]
async fn size_limit_is_413() {
    let s = TestServer::start_with(|c| c.max_attachment_bytes = 1024).await;
    let alice = s.register("alice").await;
    upload(
        &s,
        &alice,
        "max.bin",
        "application/octet-stream",
        &[7; 1024],
    )
    .await
    .expect(201, "exactly the limit");
    let resp = upload(
        &s,
        &alice,
        "big.bin",
        "application/octet-stream",
        &[7; 4096],
    )
    .await;
    resp.expect_error(413, "over max_attachment_bytes");
}

#[tokio::test]
async fn upload_needs_a_token() {
    let s = TestServer::start().await;
    let url = s.url_q("/api/v1/attachments", &[("name", "x.txt")]);
    s.post(&url)
        .raw("text/plain", b"x".to_vec())
        .send()
        .await
        .expect_error(401, "anonymous upload");
}

#[tokio::test]
async fn thumbnail_of_a_png_is_a_small_image() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let bob = s.register("bob").await;
    let carol = s.register("carol").await;
    let png = png(320, 240);
    let meta = upload(&s, &alice, "photo.png", "image/png", &png)
        .await
        .expect(201, "upload a PNG");
    let path = format!("/api/v1/attachments/{}/thumbnail", id_of(&meta));
    let thumb = s.get(&path).auth(&alice).send().await;
    thumb.expect_status(200, "the uploader gets a thumbnail");
    let content_type = thumb.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("image/"),
        "thumbnail Content-Type is an image: {content_type:?}"
    );
    assert!(
        is_image(&thumb.body),
        "thumbnail bytes are PNG/JPEG/WebP/GIF: {:?}",
        &thumb.body[..thumb.body.len().min(16)]
    );
    assert!(
        thumb.body.len() < png.len(),
        "a thumbnail is smaller than the original"
    );
    s.get(&path)
        .auth(&carol)
        .send()
        .await
        .expect_error(404, "outsiders get no thumbnail");
    let conv = s.direct(&alice, &bob).await;
    send_with(&s, &alice, &conv, json!([meta["id"]]))
        .await
        .expect(201, "send the photo");
    s.get(&path)
        .auth(&bob)
        .send()
        .await
        .expect_status(200, "members get the thumbnail");
}

/// A picture already smaller than a thumbnail is not blown up.
#[tokio::test]
async fn thumbnail_of_a_small_picture_keeps_its_size() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let meta = upload(&s, &alice, "icon.png", "image/png", &png(24, 16))
        .await
        .expect(201, "upload a small PNG");
    let path = format!("/api/v1/attachments/{}/thumbnail", id_of(&meta));
    let thumb = s.get(&path).auth(&alice).send().await;
    thumb.expect_status(200, "a thumbnail");
    let dimension = |at: usize| u32::from_be_bytes(thumb.body[at..at + 4].try_into().unwrap());
    assert_eq!(&thumb.body[1..4], b"PNG", "a PNG");
    assert_eq!(
        (dimension(16), dimension(20)),
        (24, 16),
        "IHDR width and height"
    );
}

#[tokio::test]
async fn thumbnail_of_a_non_image_is_a_client_error() {
    let s = TestServer::start().await;
    let alice = s.register("alice").await;
    let meta = upload(&s, &alice, "a.txt", "text/plain", b"not a picture")
        .await
        .expect(201, "upload");
    let resp = s
        .get(&format!("/api/v1/attachments/{}/thumbnail", id_of(&meta)))
        .auth(&alice)
        .send()
        .await;
    assert!(
        matches!(resp.status.as_u16(), 400 | 404 | 415),
        "no thumbnail for text: {} {}",
        resp.status,
        resp.text()
    );
    crate::fixture::assert_error_shape(&resp.json(), "thumbnail of text");
    let fake = upload(
        &s,
        &alice,
        "fake.png",
        "image/png",
        b"\x89PNG\r\n\x1a\nbroken",
    )
    .await
    .expect(201, "upload");
    let resp = s
        .get(&format!("/api/v1/attachments/{}/thumbnail", id_of(&fake)))
        .auth(&alice)
        .send()
        .await;
    assert!(
        resp.status.is_client_error(),
        "a corrupt image is a 4xx, never a 5xx: {} {}",
        resp.status,
        resp.text()
    );
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
        || bytes.starts_with(b"GIF8")
}

/// A valid RGB PNG of `width`×`height` with a gradient, built by hand (stored deflate blocks).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let mut blocks = raw.chunks(65_535).peekable();
    while let Some(block) = blocks.next() {
        zlib.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend(block);
    }
    zlib.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit, truecolour, deflate, adaptive filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(&data);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[test]
fn png_helpers_match_known_checksums() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "CRC-32 check value");
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398, "Adler-32 check value");
    let image = png(2, 2);
    assert_eq!(&image[12..16], b"IHDR", "IHDR comes first");
}
