use super::managed_fields::Conflict;

/// Why a patch could not be applied. Each message says which operation or
/// path failed and why, in words a user can act on.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// The patch document itself is malformed (not the expected JSON shape).
    #[error("invalid patch: {0}")]
    Invalid(String),
    /// A JSON patch operation failed: a bad path, a missing value, or a failed `test`.
    #[error("JSON patch operation {index} ({op} {path}): {reason}")]
    Operation {
        /// Index of the operation in the patch array, from 0.
        index: usize,
        /// The operation name (`add`, `test`...).
        op: String,
        /// The operation's `path`.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A strategic merge patch could not be merged at a path.
    #[error("strategic merge patch at {path}: {reason}")]
    Strategic {
        /// Where in the object, such as `.spec.template.spec.containers`.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// No strategic-merge schema is known for this kind (a CRD, or a kind
    /// this Kubernetes version does not have); the server answers 415.
    #[error(
        "no strategic merge patch schema for {0}: strategic merge patch is only supported for built-in kinds"
    )]
    UnknownKind(String),
    /// Server-side apply found fields owned by other managers with other
    /// values; the server answers 409. Retry with `force` to take them.
    #[error("{}", conflict_message(.0))]
    Conflicts(Vec<Conflict>),
    /// The `metadata.managedFields` of the live object cannot be read.
    #[error("invalid metadata.managedFields: {0}")]
    ManagedFields(String),
    /// An input (or a JSON patch's result) nests objects and arrays deeper
    /// than [`MAX_DEPTH`](super::MAX_DEPTH) levels; the server answers 422.
    #[error("{what} is nested more than {limit} levels deep, the most a patch may handle")]
    TooDeep {
        /// Which input: `the patch`, `the object to patch`...
        what: String,
        /// The limit, [`MAX_DEPTH`](super::MAX_DEPTH).
        limit: usize,
    },
}

/// The API server's wording: `Apply failed with 1 conflict: conflict with
/// "m" using apps/v1: .spec.replicas`, and for several, one line per field
/// under each manager.
fn conflict_message(conflicts: &[Conflict]) -> String {
    let using = |c: &Conflict| {
        c.api_version
            .as_deref()
            .map(|v| format!(" using {v}"))
            .unwrap_or_default()
    };
    if let [only] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {:?}{}: {}",
            only.manager,
            using(only),
            only.field
        );
    }
    let mut groups: Vec<(&Conflict, Vec<&str>)> = Vec::new();
    for conflict in conflicts {
        match groups
            .iter_mut()
            .find(|(first, _)| first.manager == conflict.manager)
        {
            Some((_, fields)) => fields.push(&conflict.field),
            None => groups.push((conflict, vec![&conflict.field])),
        }
    }
    let groups: Vec<String> = groups
        .into_iter()
        .map(|(first, fields)| {
            let lines: Vec<String> = fields.iter().map(|f| format!("- {f}")).collect();
            format!(
                "conflicts with {:?}{}:\n{}",
                first.manager,
                using(first),
                lines.join("\n")
            )
        })
        .collect();
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        groups.join("\n")
    )
}
