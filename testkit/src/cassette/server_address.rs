//! The server's address never reaches a cassette, so a cassette replays
//! against any address: not in transport errors, not in discovery answers.

use serde_json::Value;

/// What a server address is replaced by.
const SERVER: &str = "<server>";

/// `text` without `scheme://host:port` in any URL it quotes: transport
/// errors name the server, which a cassette never stores.
pub(crate) fn without_server_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        out.push_str(&rest[..start]);
        let after_scheme = &rest[start..];
        let scheme_end = after_scheme.find("://").map_or(0, |index| index + 3);
        let authority_end = after_scheme[scheme_end..]
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .map_or(after_scheme.len(), |index| scheme_end + index);
        out.push_str(SERVER);
        rest = &after_scheme[authority_end..];
    }
    out.push_str(rest);
    out
}

/// Discovery answers (`/api`'s `APIVersions`, `/apis`'s groups, an
/// `APIGroup`) tell clients the server's own `host:port` in
/// `serverAddressByClientCIDRs`: each `serverAddress` becomes `<server>`.
pub(crate) fn forget_discovery_addresses(document: &mut Value) {
    forget_cidr_addresses(document);
    if let Some(Value::Array(groups)) = document.get_mut("groups") {
        groups.iter_mut().for_each(forget_cidr_addresses);
    }
}

fn forget_cidr_addresses(document: &mut Value) {
    let Some(Value::Array(entries)) = document.get_mut("serverAddressByClientCIDRs") else {
        return;
    };
    for address in entries
        .iter_mut()
        .filter_map(|entry| entry.get_mut("serverAddress"))
    {
        *address = Value::String(SERVER.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_addresses_leave_transport_messages() {
        assert_eq!(
            without_server_addresses("GET https://10.0.0.1:6443/api/v1/pods: reset"),
            "GET <server>/api/v1/pods: reset"
        );
    }

    #[test]
    fn discovery_answers_lose_the_server_address() {
        let mut versions = json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "172.18.0.2:6443"}],
        });
        forget_discovery_addresses(&mut versions);
        assert_eq!(
            versions["serverAddressByClientCIDRs"][0]["serverAddress"],
            json!("<server>")
        );
        assert_eq!(
            versions["serverAddressByClientCIDRs"][0]["clientCIDR"],
            json!("0.0.0.0/0")
        );
        let mut groups = json!({
            "kind": "APIGroupList",
            "groups": [{"name": "apps", "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:443"}]}],
        });
        forget_discovery_addresses(&mut groups);
        assert!(!groups.to_string().contains("10.0.0.1"), "{groups}");
    }
}
