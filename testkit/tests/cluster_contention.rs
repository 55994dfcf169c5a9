//! Optimistic concurrency under contention: N tasks doing
//! read-modify-write with retry-on-conflict end with exactly N increments.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder_testkit::FakeCluster;
use serde_json::json;

const TASKS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_modify_write_with_retry_on_conflict_loses_no_increment() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("counter", "0")).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let cluster = cluster.clone();
            tokio::spawn(async move {
                let mut conflicts = 0;
                loop {
                    let mut current = get(&cluster, &configmaps("default").name("counter")).await.body;
                    let value: u64 = current["data"]["value"].as_str().unwrap().parse().unwrap();
                    current["data"]["value"] = json!((value + 1).to_string());
                    tokio::task::yield_now().await;
                    let answer = send(
                        &cluster,
                        Method::PUT,
                        &configmaps("default").name("counter"),
                        &[],
                        Some(&current),
                    )
                    .await;
                    match answer.code {
                        200 => return conflicts,
                        409 => conflicts += 1,
                        other => panic!("unexpected {other}: {:?}", answer.body),
                    }
                }
            })
        })
        .collect();
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.unwrap();
    }
    let counter = get(&cluster, &configmaps("default").name("counter")).await.body;
    assert_eq!(
        counter["data"]["value"],
        TASKS.to_string(),
        "after {conflicts} conflicts"
    );
}
