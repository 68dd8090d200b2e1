//! The UI's TypeScript types are generated from the Rust types that cross the IPC (STYLE.md
//! point 22) and committed in `ui/src/gen/`. This test renders them afresh and fails when the
//! committed files differ; `UPDATE_TS_BINDINGS=1` rewrites the directory instead.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use parley_client::{
    cache::{CachedConversation, CachedMessage, OutboxEntry},
    downloads::DownloadsUsage,
    protocol::{
        ConversationId, ConversationKind, Message, MessageId, SessionId, SessionInfo, User, UserId,
    },
};
use ts_rs::{Config, TS, TypeVisitor};

use crate::{
    commands::{AccountInfo, SessionState},
    error::CommandError,
    events::UiEvent,
    settings::Settings,
};

const REGENERATE: &str = "UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings";

/// The first line of every generated file (ts-rs writes its own note there; ours says how).
fn header() -> String {
    format!("// Generated from the Rust types by ts-rs. Do not edit: run `{REGENERATE}`.\n")
}

fn gen_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/gen")
}

/// Every file of `ui/src/gen/`, by name: one per type (the roots below and everything they
/// reference), plus `index.ts` re-exporting them all.
fn render() -> BTreeMap<String, String> {
    // serde_json writes i64/u64 as JSON numbers, so TypeScript sees `number`, not `bigint`.
    let cfg = Config::new().with_large_int("number");
    let mut files = Files {
        cfg: &cfg,
        files: BTreeMap::new(),
    };
    // What commands take and return, and what events carry.
    files.visit::<SessionState>();
    files.visit::<AccountInfo>();
    files.visit::<Settings>();
    files.visit::<UiEvent>();
    files.visit::<CommandError>();
    files.visit::<CachedConversation>();
    files.visit::<CachedMessage>();
    files.visit::<OutboxEntry>();
    files.visit::<DownloadsUsage>();
    files.visit::<Message>();
    files.visit::<User>();
    files.visit::<SessionInfo>();
    files.visit::<ConversationKind>();
    files.visit::<ConversationId>();
    files.visit::<MessageId>();
    files.visit::<UserId>();
    files.visit::<SessionId>();

    let mut out: BTreeMap<String, String> = files
        .files
        .into_iter()
        .map(|(name, (_, text))| (name, text))
        .collect();
    let mut index = header();
    for name in out.keys() {
        let module = name.trim_end_matches(".ts");
        index.push_str(&format!("export type {{ {module} }} from './{module}';\n"));
    }
    out.insert("index.ts".to_owned(), index);
    out
}

/// Renders a type and, recursively, every type it references, one file each.
struct Files<'a> {
    cfg: &'a Config,
    /// File name → (Rust type, file text).
    files: BTreeMap<String, (&'static str, String)>,
}

impl TypeVisitor for Files<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        let Some(path) = T::output_path() else {
            return; // a primitive: nothing to declare
        };
        let name = path.to_string_lossy().into_owned();
        let rust = std::any::type_name::<T>();
        if let Some((other, _)) = self.files.get(&name) {
            assert_eq!(
                *other, rust,
                "two Rust types render to ui/src/gen/{name}: rename one with #[ts(rename)]"
            );
            return;
        }
        let text =
            T::export_to_string(self.cfg).unwrap_or_else(|e| panic!("rendering {rust}: {e}"));
        // Replace ts-rs's own first line (its "generated" note) with ours.
        let body = text.split_once('\n').map_or("", |(_, rest)| rest);
        self.files
            .insert(name, (rust, format!("{}{body}", header())));
        T::visit_dependencies(self);
    }
}

/// The `.ts` files now in `dir`, by name.
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("reading ui/src/gen").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).expect("reading a generated file");
            (name, text)
        })
        .collect()
}

#[test]
fn ts_bindings_are_current() {
    let dir = gen_dir();
    let wanted = render();
    let current = read_dir(&dir);

    if std::env::var_os("UPDATE_TS_BINDINGS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("creating ui/src/gen");
        for stale in current.keys().filter(|name| !wanted.contains_key(*name)) {
            std::fs::remove_file(dir.join(stale)).expect("removing a stale binding");
        }
        for (name, text) in &wanted {
            if current.get(name) != Some(text) {
                std::fs::write(dir.join(name), text).expect("writing a binding");
            }
        }
        return;
    }

    let mut problems = Vec::new();
    for (name, text) in &wanted {
        match current.get(name) {
            None => problems.push(format!("missing: {name}")),
            Some(old) if old != text => {
                problems.push(format!("out of date: {name}\n--- wanted:\n{text}"));
            }
            Some(_) => {}
        }
    }
    for name in current.keys().filter(|name| !wanted.contains_key(*name)) {
        problems.push(format!("stale (no Rust type renders it): {name}"));
    }
    assert!(
        problems.is_empty(),
        "ui/src/gen/ does not match the Rust types; regenerate with\n    {REGENERATE}\n\n{}",
        problems.join("\n")
    );
}
