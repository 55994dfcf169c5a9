//! Kubernetes' CEL `ip`, `cidr` and `url` libraries: `ip('10.0.0.1')`,
//! `cidr('10.0.0.0/8').containsIP(...)`, `url('https://x/y').getHost()` and
//! their predicates, as the API server's CEL environment declares them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use cel::extractors::This;
use cel::objects::Opaque;
use cel::{Context, ExecutionError, Value};

/// An IP address value (`net.IP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ip(IpAddr);

/// A CIDR value (`net.IPNet`): an address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    address: IpAddr,
    prefix: u8,
}

/// A URL value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Url(url::Url);

impl Opaque for Ip {
    fn runtime_type_name(&self) -> &str {
        "net.IP"
    }
}

impl Opaque for Cidr {
    fn runtime_type_name(&self) -> &str {
        "net.IPNet"
    }
}

impl Opaque for Url {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.URL"
    }
}

/// Adds the functions to a rule's context.
pub(crate) fn add_network_functions(context: &mut Context) {
    // Adding fails only for a name the environment already declares; these it does not.
    let _ = context.add_function("ip", ip);
    let _ = context.add_function("isIP", is_ip);
    let _ = context.add_function("ip.isCanonical", is_canonical);
    let _ = context.add_function("family", family);
    let _ = context.add_function("isUnspecified", |This(this): This<Value>| {
        address_test(&this, IpAddr::is_unspecified)
    });
    let _ = context.add_function("isLoopback", |This(this): This<Value>| {
        address_test(&this, IpAddr::is_loopback)
    });
    let _ = context.add_function("isGlobalUnicast", |This(this): This<Value>| {
        address_test(&this, is_global_unicast)
    });
    let _ = context.add_function("isLinkLocalUnicast", |This(this): This<Value>| {
        address_test(&this, is_link_local_unicast)
    });
    let _ = context.add_function("isLinkLocalMulticast", |This(this): This<Value>| {
        address_test(&this, is_link_local_multicast)
    });
    let _ = context.add_function("cidr", cidr);
    let _ = context.add_function("isCIDR", is_cidr);
    let _ = context.add_function("containsIP", contains_ip);
    let _ = context.add_function("containsCIDR", contains_cidr);
    let _ = context.add_function("prefixLength", prefix_length);
    let _ = context.add_function("masked", masked);
    let _ = context.add_function("url", url);
    let _ = context.add_function("isURL", is_url);
    let _ = context.add_function("getScheme", |This(this): This<Value>| {
        url_part(&this, |url| url.scheme().to_owned())
    });
    let _ = context.add_function("getHost", |This(this): This<Value>| {
        url_part(&this, host_with_port)
    });
    let _ = context.add_function("getHostname", |This(this): This<Value>| {
        url_part(&this, |url| {
            url.host_str().unwrap_or("").trim_matches(['[', ']']).to_owned()
        })
    });
    let _ = context.add_function("getPort", |This(this): This<Value>| {
        url_part(&this, |url| {
            url.port().map(|port| port.to_string()).unwrap_or_default()
        })
    });
    let _ = context.add_function("getEscapedPath", |This(this): This<Value>| {
        url_part(&this, |url| url.path().to_owned())
    });
    let _ = context.add_function("getQuery", get_query);
}

fn error(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

fn opaque<T: Opaque + Clone>(function: &str, value: &Value) -> Result<T, ExecutionError> {
    match value {
        Value::Opaque(opaque) => opaque
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| error(function, "unexpected type")),
        _ => Err(error(function, "unexpected type")),
    }
}

/// The server's IP parsing: no zones, no IPv4-mapped IPv6 addresses.
fn parse_ip(text: &str) -> Option<IpAddr> {
    let address: IpAddr = text.parse().ok()?;
    match address {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => None,
        address => Some(address),
    }
}

fn parse_cidr(text: &str) -> Option<Cidr> {
    let (address, prefix) = text.split_once('/')?;
    let address = parse_ip(address)?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some(Cidr { address, prefix })
}

/// `ip('10.0.0.1')`, and `cidr('10.0.0.0/8').ip()`.
fn ip(This(this): This<Value>) -> Result<Value, ExecutionError> {
    match &this {
        Value::String(text) => parse_ip(text)
            .map(|address| Value::Opaque(Arc::new(Ip(address))))
            .ok_or_else(|| {
                error(
                    "ip",
                    format!("IP Address {text:?} parse error during conversion from string"),
                )
            }),
        other => Ok(Value::Opaque(Arc::new(Ip(opaque::<Cidr>("ip", other)?.address)))),
    }
}

fn is_ip(text: Arc<String>) -> bool {
    parse_ip(&text).is_some()
}

fn is_canonical(text: Arc<String>) -> Result<bool, ExecutionError> {
    let address = parse_ip(&text).ok_or_else(|| error("ip.isCanonical", "invalid IP address"))?;
    Ok(address.to_string() == *text)
}

fn family(This(this): This<Value>) -> Result<i64, ExecutionError> {
    Ok(if opaque::<Ip>("family", &this)?.0.is_ipv4() {
        4
    } else {
        6
    })
}

fn address_test(value: &Value, test: fn(&IpAddr) -> bool) -> Result<bool, ExecutionError> {
    Ok(test(&opaque::<Ip>("ip", value)?.0))
}

fn is_global_unicast(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            !(v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_link_local())
        }
        IpAddr::V6(v6) => {
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

fn is_link_local_unicast(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn is_link_local_multicast(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v6) => (v6.segments()[0] & 0xff0f) == 0xff02,
    }
}

fn cidr(text: Arc<String>) -> Result<Value, ExecutionError> {
    parse_cidr(&text)
        .map(|cidr| Value::Opaque(Arc::new(cidr)))
        .ok_or_else(|| {
            error(
                "cidr",
                format!("network address {text:?} parse error during conversion from string"),
            )
        })
}

fn is_cidr(text: Arc<String>) -> bool {
    parse_cidr(&text).is_some()
}

/// The address as a 128-bit number and its width, for prefix arithmetic.
fn bits(address: IpAddr) -> (u128, u8) {
    match address {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(address: IpAddr, prefix: u8) -> u128 {
    let (value, width) = bits(address);
    let host_bits = u32::from(width - prefix);
    if host_bits >= 128 {
        0
    } else {
        value >> host_bits << host_bits
    }
}

fn contains(network: Cidr, address: IpAddr, prefix: u8) -> bool {
    network.address.is_ipv4() == address.is_ipv4()
        && prefix >= network.prefix
        && mask(address, network.prefix) == mask(network.address, network.prefix)
}

fn contains_ip(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    let network = opaque::<Cidr>("containsIP", &this)?;
    let address = match &other {
        Value::String(text) => parse_ip(text).ok_or_else(|| error("containsIP", "invalid IP address"))?,
        other => opaque::<Ip>("containsIP", other)?.0,
    };
    let full = if address.is_ipv4() { 32 } else { 128 };
    Ok(contains(network, address, full))
}

fn contains_cidr(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    let network = opaque::<Cidr>("containsCIDR", &this)?;
    let inner = match &other {
        Value::String(text) => parse_cidr(text).ok_or_else(|| error("containsCIDR", "invalid CIDR"))?,
        other => opaque::<Cidr>("containsCIDR", other)?,
    };
    Ok(contains(network, inner.address, inner.prefix))
}

fn prefix_length(This(this): This<Value>) -> Result<i64, ExecutionError> {
    Ok(i64::from(opaque::<Cidr>("prefixLength", &this)?.prefix))
}

fn masked(This(this): This<Value>) -> Result<Value, ExecutionError> {
    let network = opaque::<Cidr>("masked", &this)?;
    let value = mask(network.address, network.prefix);
    let address = match network.address {
        IpAddr::V4(_) => IpAddr::V4((value as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(value.into()),
    };
    Ok(Value::Opaque(Arc::new(Cidr {
        address,
        prefix: network.prefix,
    })))
}

/// The server's URL check: an absolute URL or an absolute path.
fn parse_url(text: &str) -> Option<url::Url> {
    url::Url::parse(text).ok().or_else(|| {
        text.starts_with('/')
            .then(|| url::Url::parse(&format!("relative:{text}")).ok())?
    })
}

fn url(text: Arc<String>) -> Result<Value, ExecutionError> {
    parse_url(&text)
        .map(|parsed| Value::Opaque(Arc::new(Url(parsed))))
        .ok_or_else(|| {
            error(
                "url",
                format!("URL parse error during conversion from string: {text}"),
            )
        })
}

fn is_url(text: Arc<String>) -> bool {
    parse_url(&text).is_some()
}

fn host_with_port(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::new(),
    }
}

fn url_part(value: &Value, part: fn(&url::Url) -> String) -> Result<Value, ExecutionError> {
    let Url(parsed) = opaque::<Url>("url", value)?;
    Ok(Value::String(Arc::new(part(&parsed))))
}

fn get_query(This(this): This<Value>) -> Result<Value, ExecutionError> {
    let Url(parsed) = opaque::<Url>("getQuery", &this)?;
    let mut query: HashMap<String, Vec<Value>> = HashMap::new();
    for (key, value) in parsed.query_pairs() {
        query
            .entry(key.into_owned())
            .or_default()
            .push(Value::String(Arc::new(value.into_owned())));
    }
    let query: HashMap<String, Value> = query
        .into_iter()
        .map(|(key, values)| (key, Value::List(Arc::new(values))))
        .collect();
    Ok(Value::from(query))
}
