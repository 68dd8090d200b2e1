//! Keeping the app's footprint small: the memory levers of the web view that Tauri 2 can
//! reach, each measured on its own (`docs/PERFORMANCE.md`, "Desktop footprint";
//! `e2e/bench_memory_knobs.py` switches them with `PARLEY_WEBVIEW_TUNING`).
//!
//! Linux (WebKitGTK):
//! - the cache model `DocumentViewer`: no back/forward page cache, no dead resources kept
//!   in the memory cache (thumbnails scrolled away, a closed viewer's picture), no network
//!   caches — the app loads nothing from the network through WebKit;
//! - page settings the app doesn't use, off (page cache, WebGL, Web Audio, media);
//! - memory pressure settings for the network process (which holds the `blob:` data of
//!   thumbnails): checked periodically, caches dropped above the limit;
//! - JavaScriptCore's small-heap mode with the first collection at 8 MiB instead of 32, and
//!   no optimizing JIT tiers (DFG, FTL) — environment variables the web process inherits,
//!   set before it starts. The page's heap grows by 1.2× between collections instead of 2×,
//!   which was most of what live traffic added to the web process, and the optimizing
//!   tiers' compilations (hot code under traffic) leave code and compiler memory behind;
//!   the soaks in PERFORMANCE.md measure each. The cost: more frequent, smaller
//!   collections, and hot code stops at the baseline JIT, which a chat's UI — a few dozen
//!   rows re-rendered per change — does not notice (the cold start did not move).
//!
//! Not reachable from Tauri 2: the web process's own memory pressure settings (a
//! construct-only property of the `WebKitWebContext` that wry creates). Compositing is
//! turned off before anything starts, in `before_start`.
//!
//! Windows and macOS, on paper (not built here; the `cfg` branches below are where they go):
//! WebView2 has `ICoreWebView2_19::SetMemoryUsageTargetLevel(LOW)`, worth setting while the
//! window is hidden in the tray and back to `NORMAL` when shown (through `with_webview` and
//! the `webview2-com` crate wry already uses; it needs `unsafe` COM calls, so it would live in
//! a small crate of its own under our `unsafe_code = "forbid"`). WKWebView offers no memory
//! target; WebKit on macOS already drops caches a few seconds after a page is hidden and
//! follows the OS's memory pressure, so there the UI's own trimming (it lets go of inactive
//! data when the window is hidden) is the lever.

/// Which levers are on: all unless `PARLEY_WEBVIEW_TUNING` names some (`none` for none), so
/// the benchmark can measure each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Levers {
    cache_model: bool,
    settings: bool,
    network_pressure: bool,
    jsc_heap: bool,
}

impl Levers {
    fn from_env() -> Self {
        Self::parse(std::env::var("PARLEY_WEBVIEW_TUNING").ok().as_deref())
    }

    fn parse(value: Option<&str>) -> Self {
        let Some(value) = value
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "all")
        else {
            return Self {
                cache_model: true,
                settings: true,
                network_pressure: true,
                jsc_heap: true,
            };
        };
        let on = |name: &str| value.split(',').any(|v| v.trim() == name);
        Self {
            cache_model: on("cache-model"),
            settings: on("settings"),
            network_pressure: on("network-pressure"),
            jsc_heap: on("jsc-heap"),
        }
    }
}

/// The network process's memory limit, MiB (its caches are dropped above a third of it).
#[cfg(target_os = "linux")]
const NETWORK_PROCESS_LIMIT_MIB: u32 = 48;

/// WebKitGTK's accelerated compositing costs ~85 MiB of buffers in the web process for a
/// chat UI that doesn't need it (docs/PERFORMANCE.md: 521 → 433 MiB summed RSS). Always set.
#[cfg(target_os = "linux")]
const COMPOSITING_OFF: (&str, &str) = ("WEBKIT_DISABLE_COMPOSITING_MODE", "1");

/// JavaScriptCore's options for a small heap and no optimizing JIT tiers, read by the web
/// process when it starts.
#[cfg(target_os = "linux")]
const JSC_SMALL_HEAP: [(&str, &str); 4] = [
    ("JSC_forceMiniVMMode", "1"),
    ("JSC_largeHeapSize", "8388608"),
    ("JSC_useDFGJIT", "0"),
    ("JSC_useFTLJIT", "0"),
];

/// First thing in `run`, before any thread starts (the environment is process-wide): the
/// variables WebKit's processes read when they start. A value the user set wins.
pub fn before_start() {
    #[cfg(target_os = "linux")]
    {
        let jsc: &[(&str, &str)] = if Levers::from_env().jsc_heap {
            &JSC_SMALL_HEAP
        } else {
            &[]
        };
        for &(name, value) in std::iter::once(&COMPOSITING_OFF).chain(jsc) {
            if let Err(e) = webkit2gtk::glib::setenv(name, value, false) {
                eprintln!("parley-desktop: cannot configure WebKit ({name}): {e}");
            }
        }
    }
}

/// Before any web view exists (in `setup`, on the main thread).
pub fn before_web_views() {
    #[cfg(target_os = "linux")]
    if Levers::from_env().network_pressure {
        use webkit2gtk::{MemoryPressureSettings, WebsiteDataManager};
        let mut settings = MemoryPressureSettings::new();
        settings.set_memory_limit(NETWORK_PROCESS_LIMIT_MIB);
        WebsiteDataManager::set_memory_pressure_settings(&mut settings);
    }
}

/// Right after the main window is built: the cache model and the page's settings.
pub fn tune(window: &tauri::WebviewWindow) {
    let levers = Levers::from_env();
    #[cfg(target_os = "linux")]
    let result = window.with_webview(move |webview| {
        use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
        let view = webview.inner();
        if levers.cache_model
            && let Some(context) = view.context()
        {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if levers.settings
            && let Some(settings) = WebViewExt::settings(&view)
        {
            settings.set_enable_page_cache(false);
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
            settings.set_enable_media(false);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let result: tauri::Result<()> = {
        let _ = (window, levers);
        Ok(())
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not tune the web view's memory use");
    }
}

#[cfg(test)]
mod tests {
    use super::Levers;

    #[test]
    fn every_lever_is_on_unless_the_benchmark_names_some() {
        let all = Levers {
            cache_model: true,
            settings: true,
            network_pressure: true,
            jsc_heap: true,
        };
        assert_eq!(Levers::parse(None), all);
        assert_eq!(Levers::parse(Some("all")), all);
        assert_eq!(Levers::parse(Some(" ")), all);
        assert_eq!(
            Levers::parse(Some("none")),
            Levers {
                cache_model: false,
                settings: false,
                network_pressure: false,
                jsc_heap: false,
            }
        );
        assert_eq!(
            Levers::parse(Some("cache-model, network-pressure")),
            Levers {
                cache_model: true,
                settings: false,
                network_pressure: true,
                jsc_heap: false,
            }
        );
    }
}
