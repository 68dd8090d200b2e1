//! The OpenAPI 3.1 document, generated from the handlers' annotations and the protocol types.

use std::sync::OnceLock;

use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use crate::routes::{attachments, auth, conversations, messages, sync, system, users, ws};

#[derive(OpenApi)]
#[openapi(
    info(title = "Parley", description = "The Parley messenger API. See PRODUCT.md §2."),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::sessions, auth::revoke_session,
        auth::change_password,
        users::me, users::update_me, users::find, users::user,
        conversations::create, conversations::list, conversations::show, conversations::update,
        conversations::add_member, conversations::remove_member, conversations::set_role,
        conversations::mark_read, conversations::set_settings,
        messages::send, messages::list, messages::edit, messages::delete, messages::add_reaction,
        messages::remove_reaction, messages::search,
        attachments::upload, attachments::download, attachments::thumbnail,
        sync::sync, ws::upgrade,
        system::healthz, system::metrics, system::openapi,
    ),
    components(schemas(parley_protocol::ClientFrame, parley_protocol::ServerFrame, parley_protocol::Event)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}
