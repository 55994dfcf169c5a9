//! Which [`Printer`] a request's path calls for. A custom resource's columns
//! are read from its CRD, asked of the `Rest` behind the server.

use rudder::Rest;
use serde_json::Value;

use super::builtin::BuiltinKind;
use super::printer::Printer;

/// The group, version and plural a resource path names, if it names one.
pub(crate) fn resource_of_path(path: &str) -> Option<(String, String, String)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let rest = match rest {
        ["watch", rest @ ..] => rest,
        rest => rest,
    };
    let plural = match rest {
        ["namespaces", _, plural, ..] => *plural,
        [plural, ..] => *plural,
        [] => return None,
    };
    Some((group.to_owned(), version.to_owned(), plural.to_owned()))
}

/// The printer for the resource at `path`.
pub(crate) async fn printer_for(rest: &dyn Rest, path: &str) -> Printer {
    let Some((group, version, plural)) = resource_of_path(path) else {
        return Printer::Generic;
    };
    if let Some(kind) = BuiltinKind::of_resource(&group, &plural) {
        return Printer::Builtin(kind);
    }
    // Only a resource in a group can be custom; asking the Rest for a CRD
    // that does not exist costs one in-process 404.
    if group.is_empty() || !group.contains('.') {
        return Printer::Generic;
    }
    let uri = format!("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}.{group}");
    let Ok(request) = http::Request::get(uri)
        .header(http::header::ACCEPT, "application/json")
        .body(bytes::Bytes::new())
    else {
        return Printer::Generic;
    };
    match rest.send(request).await {
        Ok(response) if response.status().is_success() => serde_json::from_slice::<Value>(response.body())
            .map(|crd| Printer::for_crd(&crd, &version))
            .unwrap_or(Printer::Generic),
        _ => Printer::Generic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_is_read_off_every_path_form() {
        let of = |path| resource_of_path(path).map(|(g, v, p)| format!("{g}/{v}/{p}"));
        assert_eq!(of("/api/v1/pods").as_deref(), Some("/v1/pods"));
        assert_eq!(
            of("/api/v1/namespaces/default/pods/x").as_deref(),
            Some("/v1/pods")
        );
        assert_eq!(of("/api/v1/namespaces").as_deref(), Some("/v1/namespaces"));
        assert_eq!(
            of("/api/v1/namespaces/kube-system").as_deref(),
            Some("/v1/namespaces")
        );
        assert_eq!(
            of("/apis/samplecontroller.k8s.io/v1alpha1/watch/namespaces/a/foos").as_deref(),
            Some("samplecontroller.k8s.io/v1alpha1/foos")
        );
        assert_eq!(of("/apis/apps/v1").as_deref(), None);
        assert_eq!(of("/version"), None);
    }
}
