//! `rudder-testkit record`: a recording proxy in front of a real cluster.

use std::path::PathBuf;
use std::sync::Arc;

use rudder::config::KubeconfigOptions;
use rudder::{Config, HttpRest};
use rudder_testkit::cassette::Recorder;

use crate::listen::{self, ListenArgs};

/// Record a session with a cluster: a proxy on 127.0.0.1 that writes a cassette
///
/// Every request a client (kubectl, a Go or Python program) sends to the
/// proxy goes to the cluster of the kubeconfig and is recorded, watches
/// included, secrets redacted. The cassette is written when the proxy stops
/// (Ctrl-C or SIGTERM); `rudder-testkit replay` serves it back.
#[derive(Debug, PartialEq, Eq, clap::Args)]
#[command(after_help = "\
Example:
  rudder-testkit record --kubeconfig ~/.kube/config --out session.yaml
  export KUBECONFIG=...   (the line printed at start)
  kubectl get pods -A
  (Ctrl-C: the cassette is written)
  rudder-testkit replay session.yaml")]
pub struct RecordArgs {
    /// The kubeconfig of the cluster to record
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: PathBuf,
    /// Use this context instead of the kubeconfig's current-context
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Write the cassette here when stopped
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub listen: ListenArgs,
}

/// Serves the recording proxy until SIGINT or SIGTERM, then writes the cassette.
pub fn run(args: RecordArgs) -> Result<(), String> {
    listen::init_logging();
    let mut options = KubeconfigOptions::default().path(args.kubeconfig.clone());
    options.context = args.context.clone();
    let config = Config::from_kubeconfig(&options).map_err(|error| error.to_string())?;
    // The origin only: a URL may carry credentials in its user part.
    let upstream = config.cluster_url.origin().ascii_serialization();
    let authority = server_authority(&config.cluster_url);
    listen::runtime()?.block_on(async move {
        let live = HttpRest::new(config).map_err(|error| error.to_string())?;
        let recorder = Arc::new(Recorder::new(live, &args.out));
        if let Some(authority) = authority {
            recorder.redact(authority);
        }
        let builder = args.listen.proxy_builder(recorder.clone());
        let server = listen::start(builder, &format!("recording {upstream}")).await?;
        // Open watches end before the cassette is written, so their end is in it.
        let stopped = listen::serve_until_stopped(server).await;
        recorder.finish().map_err(|error| error.to_string())?;
        let count = recorder.cassette().interactions.len();
        println!("wrote {count} interaction(s) to {}", args.out.display());
        stopped
    })
}

/// The cluster's `host[:port]` as its URLs spell it. Answers quote it (the
/// kubeconfig in kube-public's `cluster-info`, discovery, events); a cassette
/// keeps it nowhere, so it replays against any address.
fn server_authority(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::tests::parse;

    #[test]
    fn the_server_authority_is_the_host_and_any_explicit_port() {
        let authority = |url: &str| server_authority(&url::Url::parse(url).expect("a URL"));
        assert_eq!(
            authority("https://10.0.0.1:6443/"),
            Some("10.0.0.1:6443".to_owned())
        );
        assert_eq!(
            authority("https://k8s.example.com"),
            Some("k8s.example.com".to_owned())
        );
        assert_eq!(authority("https://[::1]:6443"), Some("[::1]:6443".to_owned()));
    }

    #[test]
    fn every_option_of_record_is_read_and_out_is_required() {
        let command = parse("record --kubeconfig k.yaml --context prod --out s.yaml --port 7000 --tls")
            .expect("a valid command line");
        let Command::Record(args) = command else {
            panic!("record parses as record: {command:?}");
        };
        assert_eq!(
            args,
            RecordArgs {
                kubeconfig: "k.yaml".into(),
                context: Some("prod".to_owned()),
                out: "s.yaml".into(),
                listen: ListenArgs {
                    port: Some(7000),
                    tls: true,
                    kubeconfig_out: None,
                },
            }
        );
        let missing = parse("record --kubeconfig k.yaml").expect_err("--out is required");
        assert!(missing.to_string().contains("--out <FILE>"), "{missing}");
    }
}
