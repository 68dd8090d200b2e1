//! Every route of the wire contract (§2), as `(method, path template)`. The OpenAPI test checks
//! each one is documented; the authorization matrix walks them.

/// Routes under `/api/v1` with `{placeholders}`; placeholder names are ours, not the server's.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/sessions"),
    ("DELETE", "/api/v1/sessions/{session_id}"),
    ("GET", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("POST", "/api/v1/me/password"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/{user_id}"),
    ("POST", "/api/v1/conversations"),
    ("GET", "/api/v1/conversations"),
    ("GET", "/api/v1/conversations/{id}"),
    ("PATCH", "/api/v1/conversations/{id}"),
    ("POST", "/api/v1/conversations/{id}/members"),
    ("DELETE", "/api/v1/conversations/{id}/members/{user_id}"),
    ("PATCH", "/api/v1/conversations/{id}/members/{user_id}"),
    ("PUT", "/api/v1/conversations/{id}/settings"),
    ("POST", "/api/v1/conversations/{id}/messages"),
    ("GET", "/api/v1/conversations/{id}/messages"),
    ("PATCH", "/api/v1/conversations/{id}/messages/{message_id}"),
    ("DELETE", "/api/v1/conversations/{id}/messages/{message_id}"),
    (
        "PUT",
        "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}",
    ),
    (
        "DELETE",
        "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}",
    ),
    ("POST", "/api/v1/conversations/{id}/read"),
    ("GET", "/api/v1/search"),
    ("POST", "/api/v1/attachments"),
    ("GET", "/api/v1/attachments/{attachment_id}"),
    ("GET", "/api/v1/attachments/{attachment_id}/thumbnail"),
    ("GET", "/api/v1/sync"),
    ("GET", "/api/v1/ws"),
];

/// Routes that need no bearer token (they authenticate by password or refresh token).
pub const PUBLIC: &[&str] = &[
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
];

/// `/a/{x}/b/{y}` → `/a/{}/b/{}`, so templates compare whatever the parameters are named.
pub fn normalize(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}
