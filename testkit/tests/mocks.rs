//! The mocks of every rudder trait are reachable from the testkit alone, as
//! the README promises: each one is built, given an expectation and used
//! through its trait.

use k8s_openapi::api::core::v1::ConfigMap;
use rudder::discovery::Discovery;
use rudder::dynamic::Dynamic;
use rudder::typed::{PodLogs, Typed};
use rudder::types::{ApiResource, LogParams, Scope};
use rudder_testkit::mock::{MockDiscovery, MockDynamic, MockPodLogs, MockTyped};

#[tokio::test]
async fn mock_typed_answers_through_typed() {
    let mut config_maps = MockTyped::<ConfigMap>::new();
    config_maps
        .expect_get_opt()
        .withf(|name| name == "settings")
        .returning(|_| Ok(None));
    let typed: &dyn Typed<ConfigMap> = &config_maps;
    assert!(typed.get_opt("settings").await.unwrap().is_none());
}

#[tokio::test]
async fn mock_dynamic_answers_through_dynamic() {
    let foos = ApiResource::new("example.com", "v1", "Foo", "foos", Scope::Namespaced);
    let mut dynamic = MockDynamic::new();
    dynamic.expect_resource().return_const(foos.clone());
    dynamic.expect_get_opt().returning(|_| Ok(None));
    let target: &dyn Dynamic = &dynamic;
    assert_eq!(target.resource().plural, "foos");
    assert!(target.get_opt("a").await.unwrap().is_none());
}

#[tokio::test]
async fn mock_discovery_answers_through_discovery() {
    let mut discovery = MockDiscovery::new();
    discovery.expect_invalidate().times(1).return_const(());
    let target: &dyn Discovery = &discovery;
    target.invalidate().await;
}

#[tokio::test]
async fn mock_pod_logs_answers_through_pod_logs() {
    let mut logs = MockPodLogs::new();
    logs.expect_logs()
        .withf(|pod, _| pod == "web")
        .returning(|_, _| Ok("ready\n".to_owned()));
    let target: &dyn PodLogs = &logs;
    assert_eq!(
        target.logs("web", &LogParams::default()).await.unwrap(),
        "ready\n"
    );
}
