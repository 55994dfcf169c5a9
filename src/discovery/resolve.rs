//! Finding a served resource from what a user types, the way kubectl reads
//! its resource argument: `deploy`, `deployments`, `deployment`,
//! `Deployment`, `deployments.apps`, `deployment.v1.apps`.
//!
//! Each reading of the name is tried in turn — `resource.version.group`
//! first, then `resource.group` — matching the plural, then the singular,
//! then a short name; only then kinds. Among the matches the first in
//! priority order wins: the server's group order, each group's preferred
//! version first (so `events` is the core `events`, as in kubectl).

use crate::types::{GroupVersionKind, GroupVersionResource};

use super::error::DiscoveryError;
use super::model::{ServedResource, ServerApis};

/// One reading of a resource argument.
#[derive(Debug, PartialEq, Eq)]
struct Reading<'a> {
    name: &'a str,
    version: Option<&'a str>,
    group: Option<&'a str>,
}

/// The readings of `arg`, most specific first.
fn readings(arg: &str) -> Vec<Reading<'_>> {
    let Some((name, rest)) = arg.split_once('.') else {
        return vec![Reading {
            name: arg,
            version: None,
            group: None,
        }];
    };
    let mut readings = Vec::new();
    if let Some((version, group)) = rest.split_once('.') {
        readings.push(Reading {
            name,
            version: Some(version),
            group: Some(group),
        });
    }
    readings.push(Reading {
        name,
        version: None,
        group: Some(rest),
    });
    readings
}

/// Which field of a resource a name is matched against.
#[derive(Clone, Copy)]
enum Field {
    Plural,
    Singular,
    ShortName,
    Kind,
}

fn matches_field(resource: &ServedResource, field: Field, name: &str) -> bool {
    match field {
        Field::Plural => resource.resource.plural.eq_ignore_ascii_case(name),
        Field::Singular => resource.singular.eq_ignore_ascii_case(name),
        Field::ShortName => resource.short_names.iter().any(|s| s.eq_ignore_ascii_case(name)),
        Field::Kind => resource.resource.kind.eq_ignore_ascii_case(name),
    }
}

fn matches_reading(resource: &ServedResource, field: Field, reading: &Reading<'_>) -> bool {
    reading
        .group
        .is_none_or(|g| resource.resource.group.eq_ignore_ascii_case(g))
        && reading.version.is_none_or(|v| resource.resource.version == v)
        && matches_field(resource, field, reading.name)
}

/// Checks a user-typed name before it is looked up.
pub(crate) fn validate_name(arg: &str) -> Result<(), DiscoveryError> {
    let reason = if arg.trim().is_empty() {
        Some("it is empty")
    } else if arg.contains('/') {
        Some("a resource type may not contain '/' (give the resource, not resource/name)")
    } else if arg.starts_with('.') {
        Some("it starts with '.'")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(DiscoveryError::InvalidName {
            name: arg.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The resource `arg` names, by kubectl's rules (see the module docs).
pub(crate) fn find<'a>(apis: &'a ServerApis, arg: &str) -> Option<&'a ServedResource> {
    let readings = readings(arg);
    let resource_fields = [Field::Plural, Field::Singular, Field::ShortName];
    for reading in &readings {
        for field in resource_fields {
            if let Some(found) = apis
                .resources()
                .iter()
                .find(|r| matches_reading(r, field, reading))
            {
                return Some(found);
            }
        }
    }
    readings.iter().find_map(|reading| {
        apis.resources()
            .iter()
            .find(|r| matches_reading(r, Field::Kind, reading))
    })
}

/// The resource of a kind; an empty version means the preferred one.
pub(crate) fn find_gvk<'a>(apis: &'a ServerApis, gvk: &GroupVersionKind) -> Option<&'a ServedResource> {
    apis.resources().iter().find(|r| {
        r.resource.group == gvk.group
            && (gvk.version.is_empty() || r.resource.version == gvk.version)
            && r.resource.kind == gvk.kind
    })
}

/// The resource of a group, version and plural; an empty version means the
/// preferred one.
pub(crate) fn find_gvr<'a>(apis: &'a ServerApis, gvr: &GroupVersionResource) -> Option<&'a ServedResource> {
    apis.resources().iter().find(|r| {
        r.resource.group == gvr.group
            && (gvr.version.is_empty() || r.resource.version == gvr.version)
            && r.resource.plural == gvr.resource
    })
}

/// The error for a name nothing matched: close names the server serves, and
/// the group versions that failed (one of them may serve it).
pub(crate) fn not_found(apis: &ServerApis, arg: &str) -> DiscoveryError {
    DiscoveryError::ResourceNotFound {
        name: arg.to_owned(),
        suggestions: suggestions(apis, arg),
        failed: apis.failures().iter().map(|f| f.group_version.clone()).collect(),
    }
}

/// How many suggestions a miss lists.
const MAX_SUGGESTIONS: usize = 3;

/// Served resources whose names are a few edits from what was typed, closest
/// first, each named as kubectl would (`deployments.apps`).
fn suggestions(apis: &ServerApis, arg: &str) -> Vec<String> {
    let typed = arg.split('.').next().unwrap_or(arg).to_lowercase();
    let allowed = (typed.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, usize, String)> = Vec::new();
    for (index, resource) in apis.preferred_resources().enumerate() {
        let names = [
            &resource.resource.plural,
            &resource.singular,
            &resource.resource.kind,
        ]
        .into_iter()
        .chain(&resource.short_names);
        let distance = names
            .map(|name| edit_distance(&typed, &name.to_lowercase()))
            .min()
            .unwrap_or(usize::MAX);
        if distance <= allowed {
            scored.push((distance, index, resource.qualified_name()));
        }
    }
    scored.sort();
    let mut names: Vec<String> = Vec::new();
    for (_, _, name) in scored {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.truncate(MAX_SUGGESTIONS);
    names
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_follow_kubectl_resource_arguments() {
        assert_eq!(
            readings("deploy"),
            [Reading {
                name: "deploy",
                version: None,
                group: None
            }]
        );
        assert_eq!(
            readings("deployments.apps"),
            [Reading {
                name: "deployments",
                version: None,
                group: Some("apps")
            }]
        );
        assert_eq!(
            readings("deployment.v1.apps"),
            [
                Reading {
                    name: "deployment",
                    version: Some("v1"),
                    group: Some("apps")
                },
                Reading {
                    name: "deployment",
                    version: None,
                    group: Some("v1.apps")
                },
            ]
        );
        // A trailing dot names the core group explicitly.
        assert_eq!(readings("pods.v1.")[0].group, Some(""));
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("deploymnt", "deployment"), 1);
        assert_eq!(edit_distance("pod", "pods"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn names_that_cannot_be_resources_are_refused() {
        for bad in ["", "  ", "pods/web", ".apps"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_name("deployments.apps").is_ok());
    }
}
