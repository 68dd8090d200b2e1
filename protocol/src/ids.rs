//! Opaque ids. Each is a newtype over `String` so a user id can't be passed where a
//! conversation id is expected; the server mints them time-sortable (UUIDv7).

use std::fmt;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        // TypeScript: `export type UserId = string;` (a newtype is an alias of its inner type,
        // which is also what `serde(transparent)` puts on the wire).
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )+};
}

id_type!(
    /// A user account.
    UserId,
    /// A direct or group conversation.
    ConversationId,
    /// One message; stable across edits and deletion.
    MessageId,
    /// One signed-in device (a login).
    SessionId,
    /// An uploaded file.
    AttachmentId,
    /// A position in the event stream. Opaque and ordered: pass it back as `since`.
    Cursor,
);
