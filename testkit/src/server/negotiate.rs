//! Content negotiation at the HTTP layer: what the client asked for in
//! `Accept`, and what the `Rest` behind the server is asked for instead.
//!
//! The `Rest` speaks JSON only. A `Table` (kubectl's default for `get`) is
//! made here from the JSON answer; protobuf, which kubectl asks for first on
//! some calls, is answered with JSON, which every client accepts as well.

/// `includeObject`: what each `Table` row carries besides its cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    /// Nothing.
    None,
    /// The object's metadata as a `PartialObjectMetadata` (the server's default).
    #[default]
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Reads `includeObject` from a query string.
    pub fn from_query(query: Option<&str>) -> Self {
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(key, _)| key == "includeObject")
            .map(|(_, value)| match value.as_ref() {
                "None" => IncludeObject::None,
                "Object" => IncludeObject::Object,
                _ => IncludeObject::Metadata,
            })
            .unwrap_or_default()
    }
}

/// What the client asked for, and the `Accept` to forward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Negotiation {
    /// `Some("meta.k8s.io/v1")` when the client asked for a `Table`.
    pub table_api_version: Option<&'static str>,
    /// The `Accept` to send to the `Rest` instead of the client's, when it must change.
    pub forwarded_accept: Option<String>,
}

/// Settles a request's `Accept` header.
pub(crate) fn negotiate(accept: Option<&str>) -> Negotiation {
    let Some(accept) = accept else {
        return Negotiation {
            table_api_version: None,
            forwarded_accept: None,
        };
    };
    let ranges: Vec<MediaRange<'_>> = accept.split(',').map(MediaRange::parse).collect();
    let table_api_version = ranges.iter().find_map(MediaRange::table_api_version);
    let needs_rewrite = ranges.iter().any(|range| range.is_protobuf() || range.is_table());
    let forwarded_accept = needs_rewrite.then(|| {
        let kept: Vec<&str> = ranges
            .iter()
            .filter(|range| !range.is_protobuf() && !range.is_table())
            .map(|range| range.text)
            .collect();
        if kept.is_empty() {
            "application/json".to_owned()
        } else {
            kept.join(",")
        }
    });
    Negotiation {
        table_api_version,
        forwarded_accept,
    }
}

/// One entry of an `Accept` header.
struct MediaRange<'a> {
    text: &'a str,
    essence: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

impl<'a> MediaRange<'a> {
    fn parse(text: &'a str) -> Self {
        let text = text.trim();
        let mut parts = text.split(';');
        let essence = parts.next().unwrap_or("").trim();
        let params = parts
            .filter_map(|param| param.split_once('='))
            .map(|(key, value)| (key.trim(), value.trim().trim_matches('"')))
            .collect();
        MediaRange {
            text,
            essence,
            params,
        }
    }

    fn param(&self, name: &str) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    fn is_protobuf(&self) -> bool {
        self.essence.contains("protobuf")
    }

    fn is_table(&self) -> bool {
        self.param("as") == Some("Table")
    }

    fn table_api_version(&self) -> Option<&'static str> {
        if !self.is_table() || self.param("g") != Some("meta.k8s.io") {
            return None;
        }
        match self.param("v") {
            Some("v1") => Some("meta.k8s.io/v1"),
            Some("v1beta1") => Some("meta.k8s.io/v1beta1"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_asks_for_a_v1_table_and_the_rest_gets_json() {
        let negotiation = negotiate(Some(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
        ));
        assert_eq!(negotiation.table_api_version, Some("meta.k8s.io/v1"));
        assert_eq!(negotiation.forwarded_accept.as_deref(), Some("application/json"));
    }

    #[test]
    fn protobuf_is_answered_with_json() {
        let negotiation = negotiate(Some("application/vnd.kubernetes.protobuf"));
        assert_eq!(negotiation.table_api_version, None);
        assert_eq!(negotiation.forwarded_accept.as_deref(), Some("application/json"));
        let negotiation = negotiate(Some("application/vnd.kubernetes.protobuf, */*"));
        assert_eq!(negotiation.forwarded_accept.as_deref(), Some("*/*"));
    }

    #[test]
    fn aggregated_discovery_accept_is_forwarded_untouched() {
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            negotiate(Some(accept)),
            Negotiation {
                table_api_version: None,
                forwarded_accept: None
            }
        );
    }

    #[test]
    fn include_object_defaults_to_metadata() {
        assert_eq!(IncludeObject::from_query(None), IncludeObject::Metadata);
        assert_eq!(
            IncludeObject::from_query(Some("limit=1&includeObject=Object")),
            IncludeObject::Object
        );
        assert_eq!(
            IncludeObject::from_query(Some("includeObject=None")),
            IncludeObject::None
        );
    }
}
