//! Services: core/v1's defaults, and what the Service REST storage does on
//! create and update: a cluster IP from the service CIDR and node ports
//! from the node-port range, refused when taken or out of range, kept
//! across updates that leave them out. Allocations are read from the
//! stored Services, so deleting a Service releases them.
//!
//! The real allocators pick at random; this one picks the lowest free
//! address (and port) above the band kept for clients' own choices, so a
//! deterministic cluster answers the same every run.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at, objects_in, text};
use crate::cluster::request::errors::FieldError;

/// The service CIDR kube-apiserver defaults to: 10.96.0.0/12.
const SERVICE_NETWORK: u32 = u32::from_be_bytes([10, 96, 0, 0]);
const SERVICE_PREFIX: u32 = 12;
/// The first address picked dynamically, past the static band (256
/// addresses for a /12).
const DYNAMIC_IP_OFFSET: u32 = 256;
/// The node-port range and the first port picked dynamically, past its
/// static band (86 ports for 2768).
const NODE_PORTS: (u16, u16) = (30000, 32767);
const DYNAMIC_PORT_START: u16 = 30086;

pub(crate) fn default(service: &mut Map<String, Value>) {
    if let Some(spec) = object_at(service, "spec") {
        default_spec(spec);
    }
    if let Some(status) = object_at(service, "status") {
        default_pointer(status, "loadBalancer", json!({}));
    }
}

fn default_spec(spec: &mut Map<String, Value>) {
    default_value(spec, "sessionAffinity", json!("None"));
    match text(spec, "sessionAffinity") {
        "None" => {
            spec.remove("sessionAffinityConfig");
        }
        "ClientIP" => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|config| config.pointer("/clientIP/timeoutSeconds"));
            if timeout.is_none_or(Value::is_null) {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    default_value(spec, "type", json!("ClusterIP"));
    for port in objects_in(spec, "ports") {
        default_value(port, "protocol", json!("TCP"));
        let number = port.get("port").cloned().unwrap_or(json!(0));
        default_value(port, "targetPort", number);
    }
    let service_type = text(spec, "type").to_owned();
    if matches!(service_type.as_str(), "NodePort" | "LoadBalancer") {
        default_value(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if matches!(service_type.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        default_pointer(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if service_type == "LoadBalancer" {
        default_pointer(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

/// What the stored Services hold: cluster IPs and node ports.
#[derive(Debug, Default)]
pub(crate) struct Allocated {
    ips: BTreeSet<u32>,
    node_ports: BTreeSet<u16>,
}

impl Allocated {
    /// The allocations of `services`.
    pub(crate) fn of<'a>(services: impl Iterator<Item = &'a Value>) -> Self {
        let mut allocated = Allocated::default();
        for service in services {
            allocated
                .ips
                .extend(cluster_ips(&service["spec"]).iter().filter_map(|ip| parse_ip(ip)));
            allocated.node_ports.extend(node_ports(&service["spec"]));
        }
        allocated
    }
}

fn cluster_ips(spec: &Value) -> Vec<String> {
    let from_list: Vec<String> = spec["clusterIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if !from_list.is_empty() {
        return from_list;
    }
    spec["clusterIP"]
        .as_str()
        .filter(|ip| !ip.is_empty())
        .map(str::to_owned)
        .into_iter()
        .collect()
}

fn node_ports(spec: &Value) -> Vec<u16> {
    let ports = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|port| &port["nodePort"]);
    ports
        .chain(std::iter::once(&spec["healthCheckNodePort"]))
        .filter_map(Value::as_u64)
        .filter_map(|port| u16::try_from(port).ok())
        .collect()
}

fn parse_ip(ip: &str) -> Option<u32> {
    ip.parse::<Ipv4Addr>().ok().map(u32::from)
}

fn in_service_network(ip: u32) -> bool {
    ip >> (32 - SERVICE_PREFIX) == SERVICE_NETWORK >> (32 - SERVICE_PREFIX)
}

fn needs_node_ports(spec: &Map<String, Value>) -> bool {
    match text(spec, "type") {
        "NodePort" => true,
        "LoadBalancer" => spec.get("allocateLoadBalancerNodePorts").and_then(Value::as_bool) != Some(false),
        _ => false,
    }
}

/// The Service storage on create: families, a cluster IP and node ports,
/// or the errors the allocators answer.
pub(crate) fn allocate(service: &mut Map<String, Value>, allocated: &Allocated) -> Vec<FieldError> {
    let Some(spec) = object_at(service, "spec") else {
        return Vec::new();
    };
    if text(spec, "type") == "ExternalName" {
        return Vec::new();
    }
    default_pointer(spec, "ipFamilyPolicy", json!("SingleStack"));
    default_pointer(spec, "ipFamilies", json!(["IPv4"]));
    let mut errors = allocate_cluster_ip(spec, allocated);
    if needs_node_ports(spec) {
        errors.extend(allocate_node_ports(spec, allocated, &BTreeSet::new()));
    }
    errors
}

fn allocate_cluster_ip(spec: &mut Map<String, Value>, allocated: &Allocated) -> Vec<FieldError> {
    let asked = cluster_ips(&Value::Object(spec.clone()));
    let ip = match asked.first().map(String::as_str) {
        Some("None") => "None".to_owned(),
        Some(ip) => {
            let refused = |why: String| {
                let shown = format!(
                    "[]string{{{}}}",
                    asked
                        .iter()
                        .map(|ip| format!("{ip:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                vec![FieldError::invalid_unquoted(
                    "spec.clusterIPs",
                    &shown,
                    &format!("failed to allocate IP {ip}: {why}"),
                )]
            };
            let Some(address) = parse_ip(ip) else {
                return Vec::new(); // validation names a malformed address
            };
            if !in_service_network(address) {
                return refused(format!(
                    "the provided IP ({ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
                ));
            }
            if allocated.ips.contains(&address) {
                return refused("provided IP is already allocated".to_owned());
            }
            ip.to_owned()
        }
        None => {
            let size = 1u32 << (32 - SERVICE_PREFIX);
            // Past the static band first, then the static band, as the allocator prefers.
            let offsets = (DYNAMIC_IP_OFFSET..size - 1).chain(1..DYNAMIC_IP_OFFSET);
            let Some(free) = offsets
                .map(|offset| SERVICE_NETWORK + offset)
                .find(|ip| !allocated.ips.contains(ip))
            else {
                return vec![FieldError::invalid_unquoted(
                    "spec.clusterIPs",
                    "[]string(nil)",
                    "range is full",
                )];
            };
            Ipv4Addr::from(free).to_string()
        }
    };
    spec.insert("clusterIP".into(), json!(ip));
    spec.insert("clusterIPs".into(), json!([ip]));
    Vec::new()
}

/// Gives every port without one a node port; `kept` are ports this Service
/// already holds (on update), which are not conflicts.
fn allocate_node_ports(
    spec: &mut Map<String, Value>,
    allocated: &Allocated,
    kept: &BTreeSet<u16>,
) -> Vec<FieldError> {
    let mut taken: BTreeSet<u16> = allocated.node_ports.difference(kept).copied().collect();
    let mut errors = Vec::new();
    let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) else {
        return errors;
    };
    // First the ports the client chose, so a dynamic pick never takes one.
    for (index, port) in ports.iter().enumerate() {
        let Some(asked) = port["nodePort"].as_u64().filter(|port| *port != 0) else {
            continue;
        };
        let field = format!("spec.ports[{index}].nodePort");
        let why = if !(u64::from(NODE_PORTS.0)..=u64::from(NODE_PORTS.1)).contains(&asked) {
            Some(format!(
                "provided port is not in the valid range. The range of valid ports is {}-{}",
                NODE_PORTS.0, NODE_PORTS.1
            ))
        } else if !taken.insert(asked as u16) {
            Some("provided port is already allocated".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            errors.push(FieldError::invalid_unquoted(&field, &asked.to_string(), &why));
        }
    }
    for port in ports.iter_mut().filter_map(Value::as_object_mut) {
        if port
            .get("nodePort")
            .and_then(Value::as_u64)
            .is_some_and(|port| port != 0)
        {
            continue;
        }
        let free = (DYNAMIC_PORT_START..=NODE_PORTS.1)
            .chain(NODE_PORTS.0..DYNAMIC_PORT_START)
            .find(|candidate| !taken.contains(candidate));
        if let Some(free) = free {
            taken.insert(free);
            port.insert("nodePort".into(), json!(free));
        }
    }
    errors
}

/// The Service storage on update: what the client left out of the stored
/// allocations is kept (cluster IPs, node ports of the same port), new
/// node ports are allocated, and ports of a type that has none are dropped.
pub(crate) fn reallocate(
    service: &mut Map<String, Value>,
    old: &Value,
    allocated: &Allocated,
) -> Vec<FieldError> {
    let Some(spec) = object_at(service, "spec") else {
        return Vec::new();
    };
    let old_spec = &old["spec"];
    if text(spec, "type") != "ExternalName" {
        for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            if spec.get(field).is_none_or(|value| value.is_null() || value == "")
                && let Some(value) = old_spec.get(field)
            {
                spec.insert(field.to_owned(), value.clone());
            }
        }
        default_pointer(spec, "ipFamilyPolicy", json!("SingleStack"));
        default_pointer(spec, "ipFamilies", json!(["IPv4"]));
    }
    if !needs_node_ports(spec) {
        for port in objects_in(spec, "ports") {
            port.remove("nodePort");
        }
        return Vec::new();
    }
    let old_ports = old_spec["ports"].as_array().cloned().unwrap_or_default();
    for port in objects_in(spec, "ports") {
        if port
            .get("nodePort")
            .and_then(Value::as_u64)
            .is_some_and(|port| port != 0)
        {
            continue;
        }
        let same = old_ports
            .iter()
            .find(|old| {
                Some(&old["port"]) == port.get("port") && Some(&old["protocol"]) == port.get("protocol")
            })
            .map(|old| old["nodePort"].clone())
            .filter(|node_port| node_port.is_u64());
        if let Some(node_port) = same {
            port.insert("nodePort".into(), node_port);
        }
    }
    let kept: BTreeSet<u16> = node_ports(old_spec).into_iter().collect();
    allocate_node_ports(spec, allocated, &kept)
}
