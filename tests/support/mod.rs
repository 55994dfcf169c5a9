//! What the integration tests share: kubeconfig fixtures, configs for a local
//! server, requests, an exec plugin written as a shell script, and a log
//! capture.
//!
//! Each test file uses a different part of this module.
#![allow(dead_code)]

pub mod tls_server;

use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use rudder::Config;
use rudder::config::{ExecConfig, ExecInteractiveMode, RateLimit};
use rudder::rest::Request;

/// A file under `fixtures/kubeconfig/`.
pub fn fixture(relative: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/kubeconfig")
        .join(relative)
}

/// An environment with no variables at all.
pub fn no_env() -> rudder::config::Environment {
    rudder::config::Environment::from_vars::<&str, &str>([])
}

/// A wiremock server on 127.0.0.1 answering every request 200.
pub async fn ok_server() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// A config for a test server at `url`: no rate limit, and no timeouts, so
/// paused tokio time cannot fire them while a request waits for the server.
pub fn config_for(url: &str) -> Config {
    let mut config = Config::new(url.parse().expect("a test server URL"));
    config.rate_limit = RateLimit::unlimited();
    config.connect_timeout = None;
    config.request_timeout = None;
    config
}

/// The `TransportFailure` inside `error`, which must be a transport error.
pub fn transport_failure(error: &rudder::Error) -> &rudder::rest::TransportFailure {
    let rudder::Error::Transport { source, .. } = error else {
        panic!("expected a transport error, got {error:?}");
    };
    source.downcast_ref().expect("a TransportFailure")
}

/// A request without a body.
pub fn request(method: http::Method, path: &str) -> Request {
    http::Request::builder()
        .method(method)
        .uri(path)
        .body(Bytes::new())
        .expect("a valid test request")
}

/// `GET path`.
pub fn get(path: &str) -> Request {
    request(http::Method::GET, path)
}

/// An exec plugin: a `sh` script in a temporary folder that appends a line to
/// `count` each time it runs, saves `KUBERNETES_EXEC_INFO`, then runs `body`
/// (which can use `$n`, the run number, and `$dir`).
pub struct ExecScript {
    pub dir: tempfile::TempDir,
}

impl ExecScript {
    pub fn new(body: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let script = format!(
            "#!/bin/sh\ndir='{}'\necho run >> \"$dir/count\"\nn=$(wc -l < \"$dir/count\" | tr -d ' ')\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$dir/exec-info.json\"\n{body}\n",
            dir.path().display()
        );
        let path = dir.path().join("plugin.sh");
        let mut file = std::fs::File::create(&path).expect("the plugin script");
        file.write_all(script.as_bytes()).expect("the plugin script");
        ExecScript { dir }
    }

    /// A script that prints a v1 ExecCredential with `token-<run number>`,
    /// expiring at `expiry` (RFC 3339).
    pub fn numbered_tokens(expiry: &str) -> Self {
        Self::new(&format!(
            r#"printf '{{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{{"token":"token-%s","expirationTimestamp":"{expiry}"}}}}' "$n""#
        ))
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("plugin.sh")
    }

    /// How many times the plugin ran.
    pub fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("count"))
            .map(|text| text.lines().count())
            .unwrap_or(0)
    }

    /// The `KUBERNETES_EXEC_INFO` of the last run.
    pub fn last_exec_info(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.path().join("exec-info.json")).expect("the plugin ran");
        serde_json::from_str(&text).expect("KUBERNETES_EXEC_INFO is JSON")
    }

    /// The exec config that runs this script with `sh`.
    pub fn exec_config(&self) -> ExecConfig {
        let mut exec = ExecConfig::default();
        exec.api_version = "client.authentication.k8s.io/v1".into();
        exec.command = "sh".into();
        exec.args = vec![self.path().display().to_string()];
        exec.interactive_mode = ExecInteractiveMode::Never;
        exec
    }

    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("a file in the plugin folder");
        path
    }
}

thread_local! {
    /// The log lines of the test running on this thread, while it captures.
    static CAPTURED: RefCell<Option<Arc<Mutex<Vec<u8>>>>> = const { RefCell::new(None) };
}

/// Everything logged (at every level) on this thread while the guard lives.
///
/// One global subscriber, installed once, writes each line to the capture of
/// the thread that logged it. (A per-test `set_default` subscriber races with
/// tests on other threads over tracing's per-callsite cache, and may miss
/// events.) Tokio tests run on the current-thread runtime, so the spawned
/// tasks of a test log on its thread too.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

/// Ends a capture when dropped.
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURED.with(|captured| captured.borrow_mut().take());
    }
}

impl LogCapture {
    pub fn start() -> (Self, CaptureGuard) {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| ThreadWriter)
                .with_ansi(false)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        });
        let capture = LogCapture::default();
        CAPTURED.with(|captured| *captured.borrow_mut() = Some(capture.0.clone()));
        (capture, CaptureGuard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the log buffer")).into_owned()
    }
}

/// Writes to the current thread's capture, if any.
struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|captured| {
            if let Some(buffer) = captured.borrow().as_ref() {
                buffer.lock().expect("the log buffer").extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
