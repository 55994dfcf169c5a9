//! One run of one workload by one client, inside a child process.

use std::io::{BufReader, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;

use crate::pods::NAMESPACE;
use crate::workloads::{Decoded, GET_CONCURRENCY, GETS, PAGE_SIZE, Workload};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn get_name(index: usize) -> String {
    format!("probe-{index}")
}

pub mod rudder_client {
    use super::*;
    use rudder::config::RateLimit;
    use rudder::types::{ListParams, WatchEvent, WatchParams};
    use rudder::{Api, Typed};

    pub fn client(url: &str) -> Result<rudder::Client, Failure> {
        let mut config = rudder::Config::new(url.parse()?);
        // Both clients unlimited: the default 50 QPS would measure the limiter.
        config.rate_limit = RateLimit::unlimited();
        if let Some(ca) = crate::tls::ca_from_environment()? {
            config.tls.root_certificates = vec![ca.into()];
        }
        Ok(rudder::Client::try_from_config(config)?)
    }

    pub async fn run(workload: Workload, client: rudder::Client) -> Result<Decoded, Failure> {
        let mut decoded = Decoded::default();
        match workload {
            Workload::List => {
                let api: Api<Pod> = client.all();
                let list = Typed::list(&api, &ListParams::default()).await?;
                list.items.iter().for_each(|pod| decoded.add(pod));
            }
            Workload::Pages => {
                let api: Api<Pod> = client.all();
                let params = ListParams::default().limit(PAGE_SIZE);
                let mut pods = api.list_stream(&params);
                while let Some(pod) = pods.try_next().await? {
                    decoded.add(&pod);
                }
            }
            Workload::Watch => {
                let api: Api<Pod> = client.all();
                let mut events = api.watch(&WatchParams::default()).await?;
                while let Some(event) = events.try_next().await? {
                    match event {
                        WatchEvent::Modified(pod) => decoded.add(&pod),
                        other => return Err(format!("unexpected event {other:?}").into()),
                    }
                }
            }
            Workload::GetSequential | Workload::GetSequentialTls => {
                let api: Api<Pod> = client.namespaced(NAMESPACE);
                for index in 0..GETS {
                    decoded.add(&api.get(&get_name(index)).await?);
                }
            }
            Workload::GetConcurrent | Workload::GetConcurrentTls => {
                let api: Api<Pod> = client.namespaced(NAMESPACE);
                let api = &api;
                let mut pods = futures::stream::iter(0..GETS)
                    .map(|index| async move { api.get(&get_name(index)).await })
                    .buffer_unordered(GET_CONCURRENCY);
                while let Some(pod) = pods.try_next().await? {
                    decoded.add(&pod);
                }
            }
            other => return Err(format!("{} is not run here", other.name()).into()),
        }
        Ok(decoded)
    }
}

pub mod kube_client {
    use super::*;
    use kube::api::{Api, ListParams, WatchParams};
    use kube::core::WatchEvent;

    pub fn client(url: &str) -> Result<kube::Client, Failure> {
        // kube-rs has no client-side rate limit: it is unlimited already.
        let mut config = kube::Config::new(url.parse()?);
        if let Some(ca) = crate::tls::ca_from_environment()? {
            config.root_cert = Some(vec![ca]);
        }
        Ok(kube::Client::try_from(config)?)
    }

    pub async fn run(workload: Workload, client: kube::Client) -> Result<Decoded, Failure> {
        let mut decoded = Decoded::default();
        match workload {
            Workload::List => {
                let api: Api<Pod> = Api::all(client);
                let list = api.list(&ListParams::default()).await?;
                list.items.iter().for_each(|pod| decoded.add(pod));
            }
            Workload::Pages => {
                let api: Api<Pod> = Api::all(client);
                let mut params = ListParams::default().limit(PAGE_SIZE);
                loop {
                    let page = api.list(&params).await?;
                    for pod in page.items {
                        decoded.add(&pod);
                    }
                    match page.metadata.continue_ {
                        Some(token) if !token.is_empty() => params = params.continue_token(&token),
                        _ => break,
                    }
                }
            }
            Workload::Watch => {
                let api: Api<Pod> = Api::all(client);
                let mut events = api.watch(&WatchParams::default(), "0").await?.boxed();
                while let Some(event) = events.try_next().await? {
                    match event {
                        WatchEvent::Modified(pod) => decoded.add(&pod),
                        other => return Err(format!("unexpected event {other:?}").into()),
                    }
                }
            }
            Workload::GetSequential | Workload::GetSequentialTls => {
                let api: Api<Pod> = Api::namespaced(client, NAMESPACE);
                for index in 0..GETS {
                    decoded.add(&api.get(&get_name(index)).await?);
                }
            }
            Workload::GetConcurrent | Workload::GetConcurrentTls => {
                let api: Api<Pod> = Api::namespaced(client, NAMESPACE);
                let api = &api;
                let mut pods = futures::stream::iter(0..GETS)
                    .map(|index| async move { api.get(&get_name(index)).await })
                    .buffer_unordered(GET_CONCURRENCY);
                while let Some(pod) = pods.try_next().await? {
                    decoded.add(&pod);
                }
            }
            other => return Err(format!("{} is not run here", other.name()).into()),
        }
        Ok(decoded)
    }
}

/// How a floor turns bytes into values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    /// `serde_json::from_slice`.
    Slice,
    /// `std::str::from_utf8` then `serde_json::from_str`.
    Str,
}

impl Floor {
    fn decode<T: serde::de::DeserializeOwned>(self, bytes: &[u8]) -> Result<T, Failure> {
        Ok(match self {
            Floor::Slice => serde_json::from_slice(bytes)?,
            Floor::Str => serde_json::from_str(std::str::from_utf8(bytes)?)?,
        })
    }
}

/// Decodes the bodies in `file` (already serialized, read untimed) as the
/// workload's type; the time is the decoding (and checksum) alone.
pub fn floor(workload: Workload, floor: Floor, file: &Path) -> Result<(Decoded, Duration), Failure> {
    let mut reader = BufReader::new(std::fs::File::open(file)?);
    let mut decoded = Decoded::default();
    let mut spent = Duration::ZERO;
    let mut body = Vec::new();
    while read_body(&mut reader, &mut body)? {
        match workload {
            Workload::List | Workload::Pages => {
                let start = Instant::now();
                let list: k8s_openapi::List<Pod> = floor.decode(&body)?;
                list.items.iter().for_each(|pod| decoded.add(pod));
                drop(list);
                spent += start.elapsed();
            }
            Workload::Watch => {
                let start = Instant::now();
                match floor.decode::<WatchEvent<Pod>>(&body)? {
                    WatchEvent::Modified(pod) => decoded.add(&pod),
                    _ => return Err("unexpected event".into()),
                }
                spent += start.elapsed();
            }
            Workload::GetSequential
            | Workload::GetConcurrent
            | Workload::GetSequentialTls
            | Workload::GetConcurrentTls => {
                let start = Instant::now();
                for _ in 0..GETS {
                    decoded.add(&floor.decode::<Pod>(&body)?);
                }
                spent += start.elapsed();
            }
            other => return Err(format!("{} has no decoding floor", other.name()).into()),
        }
    }
    Ok((decoded, spent))
}

/// The next length-prefixed body, or `false` at the end of the file.
fn read_body(reader: &mut impl Read, body: &mut Vec<u8>) -> Result<bool, Failure> {
    let mut length = [0u8; 8];
    match reader.read_exact(&mut length) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(error) => return Err(error.into()),
    }
    body.clear();
    body.resize(u64::from_le_bytes(length) as usize, 0);
    reader.read_exact(body)?;
    Ok(true)
}
