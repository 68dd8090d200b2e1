//! The main window, built here rather than from the config alone so that its webview can
//! never leave the app: navigation away from the app's own pages is refused (a link dropped
//! on the window, WebKit's "Open Link" in its context menu), and so is every new window
//! (`window.open`, target=_blank). A refused http(s) or mailto link opens in the system's
//! browser or mail app instead, through the same checks as `open_external`.

use tauri::{
    AppHandle, Url, WebviewWindowBuilder,
    webview::{NewWindowFeatures, NewWindowResponse},
};

/// Whether `url` is one of the app's own pages (the bundled UI, or the dev server in a
/// debug build).
pub fn is_app_url(url: &Url) -> bool {
    match url.scheme() {
        "tauri" | "about" | "blob" | "data" => true,
        "http" | "https" => {
            let host = url.host_str().unwrap_or_default();
            host == "tauri.localhost"
                || host.ends_with(".tauri.localhost")
                || (cfg!(debug_assertions) && host == "localhost" && url.port() == Some(1420))
        }
        _ => false,
    }
}

fn open_elsewhere(app: &AppHandle, url: &Url) {
    if matches!(url.scheme(), "http" | "https" | "mailto")
        && let Err(e) = crate::commands::open_external(app.clone(), url.to_string())
    {
        tracing::warn!(error = %e.message, "could not open a link outside the app");
    }
}

/// Creates the main window from `tauri.conf.json` (where it has `create: false`).
pub fn create_main(app: &AppHandle) -> tauri::Result<()> {
    let Some(config) = app.config().app.windows.first().cloned() else {
        return Ok(());
    };
    let on_nav = app.clone();
    let on_new = app.clone();
    let window = WebviewWindowBuilder::from_config(app, &config)?
        .on_navigation(move |url| {
            let allowed = is_app_url(url);
            if !allowed {
                tracing::info!(
                    scheme = url.scheme(),
                    "navigation away from the app refused"
                );
                open_elsewhere(&on_nav, url);
            }
            allowed
        })
        .on_new_window(move |url, _features: NewWindowFeatures| {
            tracing::info!(scheme = url.scheme(), "new window refused");
            open_elsewhere(&on_new, &url);
            NewWindowResponse::Deny
        })
        .build()?;
    crate::memory::tune(&window);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_pages_load_in_its_window() {
        for own in [
            "tauri://localhost/",
            "http://tauri.localhost/index.html",
            "about:blank",
        ] {
            assert!(is_app_url(&own.parse().unwrap()), "{own}");
        }
        for foreign in [
            "https://evil.example/",
            "http://localhost:8080/",
            "http://tauri.localhost.evil.example/",
            "file:///etc/passwd",
            "mailto:a@example.com",
        ] {
            assert!(!is_app_url(&foreign.parse().unwrap()), "{foreign}");
        }
    }
}
