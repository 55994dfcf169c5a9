//! The workloads: what the server serves for each, and what every run must
//! have decoded (item count and checksum) for its time to count.

use std::io::Write;
use std::path::Path;

use bytes::{BufMut, Bytes, BytesMut};

use crate::pods;
use crate::server::Bodies;

pub const LIST_PODS: usize = 10_000;
pub const PAGED_PODS: usize = 100_000;
pub const PAGE_SIZE: u32 = 500;
pub const WATCH_EVENTS: usize = 100_000;
pub const GETS: usize = 20_000;
pub const GET_CONCURRENCY: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    List,
    Pages,
    Watch,
    GetSequential,
    GetConcurrent,
    /// The GETs again, over TLS: HTTP/2 where ALPN chooses it.
    GetSequentialTls,
    GetConcurrentTls,
    /// Discovery with nothing cached.
    DiscoveryCold,
    /// Discovery again: rudder from the disk cache a previous run filled.
    DiscoveryWarm,
    /// rudder-testkit's FakeCluster, in process (no kube-rs side).
    FakeCreate,
    FakeList,
    FakeWatch,
}

impl Workload {
    pub const ALL: [Workload; 12] = [
        Workload::List,
        Workload::Pages,
        Workload::Watch,
        Workload::GetSequential,
        Workload::GetConcurrent,
        Workload::GetSequentialTls,
        Workload::GetConcurrentTls,
        Workload::DiscoveryCold,
        Workload::DiscoveryWarm,
        Workload::FakeCreate,
        Workload::FakeList,
        Workload::FakeWatch,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Workload::List => "list",
            Workload::Pages => "pages",
            Workload::Watch => "watch",
            Workload::GetSequential => "get-seq",
            Workload::GetConcurrent => "get-c64",
            Workload::GetSequentialTls => "get-seq-tls",
            Workload::GetConcurrentTls => "get-c64-tls",
            Workload::DiscoveryCold => "discovery-cold",
            Workload::DiscoveryWarm => "discovery-warm",
            Workload::FakeCreate => "fake-create",
            Workload::FakeList => "fake-list",
            Workload::FakeWatch => "fake-watch",
        }
    }

    /// The name in the table.
    pub fn title(self) -> &'static str {
        match self {
            Workload::List => "list 10,000 pods, one response",
            Workload::Pages => "list 100,000 pods, pages of 500",
            Workload::Watch => "watch, 100,000 MODIFIED events",
            Workload::GetSequential => "20,000 GETs, 1 at a time (HTTP/1.1)",
            Workload::GetConcurrent => "20,000 GETs, 64 at a time (HTTP/1.1)",
            Workload::GetSequentialTls => "20,000 GETs, 1 at a time (TLS, ALPN h2 or http/1.1)",
            Workload::GetConcurrentTls => "20,000 GETs, 64 at a time (TLS, ALPN h2 or http/1.1)",
            Workload::DiscoveryCold => "discovery, 40 groups + core, cold",
            Workload::DiscoveryWarm => {
                "discovery, 40 groups + core, warm (rudder: its disk cache; kube-rs has none: cold again)"
            }
            Workload::FakeCreate => "FakeCluster: create 100,000 pods (vs round-trip floor)",
            Workload::FakeList => "FakeCluster: list 1% of 100,000 pods by label (vs round-trip floor)",
            Workload::FakeWatch => "FakeCluster: 100 watchers × 10,000 writes (vs round-trip floor)",
        }
    }

    pub fn parse(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|workload| workload.name() == name)
    }

    /// How many generated pods the server serves.
    pub fn pods_served(self) -> usize {
        match self {
            Workload::List => LIST_PODS,
            Workload::Pages => PAGED_PODS,
            Workload::Watch => WATCH_EVENTS,
            _ => 0,
        }
    }

    /// Served over TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, Workload::GetSequentialTls | Workload::GetConcurrentTls)
    }

    pub fn is_discovery(self) -> bool {
        matches!(self, Workload::DiscoveryCold | Workload::DiscoveryWarm)
    }

    /// Run in the child's own process, with no server and no kube-rs side.
    pub fn is_in_process(self) -> bool {
        matches!(
            self,
            Workload::FakeCreate | Workload::FakeList | Workload::FakeWatch
        )
    }

    /// Whether the decoding floors (`from_slice`, `from_str`) apply: they
    /// decode the bodies the server sends (for the GETs over TLS, the same
    /// bytes as the plain GETs, whose rows have them).
    pub fn has_decode_floors(self) -> bool {
        !self.is_discovery() && !self.is_in_process() && !self.is_tls()
    }

    /// Items (or GETs) per run: what allocations are counted per.
    pub fn operations(self) -> usize {
        match self {
            Workload::List => LIST_PODS,
            Workload::Pages => PAGED_PODS,
            Workload::Watch => WATCH_EVENTS,
            Workload::GetSequential
            | Workload::GetConcurrent
            | Workload::GetSequentialTls
            | Workload::GetConcurrentTls => GETS,
            Workload::DiscoveryCold | Workload::DiscoveryWarm => 1,
            Workload::FakeCreate => crate::fake_cluster::CREATED,
            Workload::FakeList => crate::fake_cluster::CREATED / 100,
            Workload::FakeWatch => crate::fake_cluster::WATCHERS * crate::fake_cluster::WRITES,
        }
    }
}

/// What a run decoded: every run must match the expected one exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    pub count: usize,
    pub checksum: u64,
}

impl Decoded {
    pub fn add(&mut self, pod: &k8s_openapi::api::core::v1::Pod) {
        self.add_term(pods::checksum(pod));
    }

    /// One more item, whose checksum is `checksum`.
    pub fn add_term(&mut self, checksum: u64) {
        self.count += 1;
        self.checksum = self.checksum.wrapping_add(checksum);
    }
}

/// The generated pods, serialized once, with their checksums.
pub struct Corpus {
    pods: Vec<Bytes>,
    checksums: Vec<u64>,
}

impl Corpus {
    /// `count` pods, generated on two threads.
    pub fn generate(count: usize) -> Corpus {
        let halves: Vec<(Vec<Bytes>, Vec<u64>)> = std::thread::scope(|scope| {
            let middle = count / 2;
            let handles: Vec<_> = [0..middle, middle..count]
                .into_iter()
                .map(|range| {
                    scope.spawn(move || {
                        range
                            .map(|index| {
                                let pod = pods::pod(index);
                                let bytes = serde_json::to_vec(&pod).expect("a pod serializes");
                                (Bytes::from(bytes), pods::checksum(&pod))
                            })
                            .unzip()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().expect("the generator ran"))
                .collect()
        });
        let mut corpus = Corpus {
            pods: Vec::with_capacity(count),
            checksums: Vec::with_capacity(count),
        };
        for (pods, checksums) in halves {
            corpus.pods.extend(pods);
            corpus.checksums.extend(checksums);
        }
        corpus
    }

    pub fn mean_pod_bytes(&self) -> usize {
        self.pods.iter().map(Bytes::len).sum::<usize>() / self.pods.len().max(1)
    }

    fn expected(&self, count: usize) -> Decoded {
        Decoded {
            count,
            checksum: self.checksums[..count]
                .iter()
                .fold(0u64, |sum, c| sum.wrapping_add(*c)),
        }
    }
}

/// One workload ready to serve: the bodies, and what each run must decode.
pub struct Prepared {
    pub bodies: Bodies,
    pub expected: Decoded,
}

pub fn prepare(workload: Workload, corpus: &Corpus) -> Prepared {
    match workload {
        Workload::List => Prepared {
            bodies: Bodies {
                list: list_body(&corpus.pods[..LIST_PODS], None),
                ..Bodies::default()
            },
            expected: corpus.expected(LIST_PODS),
        },
        Workload::Pages => {
            let pages: Vec<&[Bytes]> = corpus.pods[..PAGED_PODS].chunks(PAGE_SIZE as usize).collect();
            let last = pages.len() - 1;
            let bodies = pages
                .iter()
                .enumerate()
                .map(|(n, items)| {
                    list_body(
                        items,
                        (n < last).then(|| (n + 1, PAGED_PODS - (n + 1) * items.len())),
                    )
                })
                .collect();
            Prepared {
                bodies: Bodies {
                    pages: bodies,
                    ..Bodies::default()
                },
                expected: corpus.expected(PAGED_PODS),
            }
        }
        Workload::Watch => Prepared {
            bodies: Bodies {
                watch: corpus.pods[..WATCH_EVENTS]
                    .iter()
                    .map(|pod| watch_line(pod))
                    .collect(),
                ..Bodies::default()
            },
            expected: corpus.expected(WATCH_EVENTS),
        },
        Workload::GetSequential
        | Workload::GetConcurrent
        | Workload::GetSequentialTls
        | Workload::GetConcurrentTls => {
            let pod = pods::small_pod();
            let checksum = pods::checksum(&pod).wrapping_mul(GETS as u64);
            Prepared {
                bodies: Bodies {
                    get: serde_json::to_vec(&pod).expect("a pod serializes").into(),
                    ..Bodies::default()
                },
                expected: Decoded {
                    count: GETS,
                    checksum,
                },
            }
        }
        Workload::DiscoveryCold | Workload::DiscoveryWarm => {
            let (documents, expected) = crate::discovery::documents();
            Prepared {
                bodies: Bodies {
                    discovery: documents,
                    ..Bodies::default()
                },
                expected,
            }
        }
        Workload::FakeCreate | Workload::FakeList | Workload::FakeWatch => Prepared {
            bodies: Bodies::default(),
            expected: crate::fake_cluster::expected(workload),
        },
    }
}

/// A `PodList` of `items`; `next` is the number of the next page and how many items remain.
pub fn list_body(items: &[Bytes], next: Option<(usize, usize)>) -> Bytes {
    let size: usize = items.iter().map(|item| item.len() + 1).sum();
    let mut body = BytesMut::with_capacity(size + 256);
    body.put_slice(br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"2000000""#);
    if let Some((page, remaining)) = next {
        body.put_slice(format!(r#","continue":"page-{page}","remainingItemCount":{remaining}"#).as_bytes());
    }
    body.put_slice(br#"},"items":["#);
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.put_u8(b',');
        }
        body.put_slice(item);
    }
    body.put_slice(b"]}");
    body.freeze()
}

pub fn watch_line(pod: &[u8]) -> Bytes {
    let mut line = BytesMut::with_capacity(pod.len() + 32);
    line.put_slice(br#"{"type":"MODIFIED","object":"#);
    line.put_slice(pod);
    line.put_slice(b"}\n");
    line.freeze()
}

/// Writes what the floors decode: the same bytes the server sends, one
/// body after another, each preceded by its length (u64, little-endian).
pub fn write_floor_file(bodies: &Bodies, path: &Path) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let all = [&bodies.list, &bodies.get]
        .into_iter()
        .chain(&bodies.pages)
        .chain(&bodies.watch);
    for body in all.filter(|body| !body.is_empty()) {
        file.write_all(&(body.len() as u64).to_le_bytes())?;
        file.write_all(body)?;
    }
    file.flush()
}
