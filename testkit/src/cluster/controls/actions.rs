//! The log of what the fake served, for assertions.

/// One request the fake served, named as client-go's fake names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub verb: String,
    /// The API group; empty for core.
    pub group: String,
    /// The version in the path.
    pub version: String,
    /// The plural resource name.
    pub resource: String,
    /// The namespace, if the path has one.
    pub namespace: Option<String>,
    /// The object's name, if the path has one.
    pub name: Option<String>,
    /// The subresource, if any.
    pub subresource: Option<String>,
}

impl Action {
    /// Whether this is `verb` on `resource` (either may be `*`).
    pub fn is(&self, verb: &str, resource: &str) -> bool {
        (verb == "*" || self.verb == verb) && (resource == "*" || self.resource == resource)
    }

    /// Whether this is `verb` on the object `name` of `resource`.
    pub fn is_on(&self, verb: &str, resource: &str, name: &str) -> bool {
        self.is(verb, resource) && self.name.as_deref() == Some(name)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        if let Some(subresource) = &self.subresource {
            write!(f, "/{subresource}")?;
        }
        if let Some(namespace) = &self.namespace {
            write!(f, " -n {namespace}")?;
        }
        if let Some(name) = &self.name {
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

/// The actions served so far, with assertion helpers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionLog(pub Vec<Action>);

impl ActionLog {
    /// The actions that are `verb` on `resource` (either may be `*`).
    pub fn matching(&self, verb: &str, resource: &str) -> Vec<&Action> {
        self.0.iter().filter(|action| action.is(verb, resource)).collect()
    }

    /// How many actions are `verb` on `resource`.
    pub fn count(&self, verb: &str, resource: &str) -> usize {
        self.matching(verb, resource).len()
    }

    /// Panics, listing what was served, unless some action is `verb` on
    /// the object `name` of `resource`.
    #[track_caller]
    pub fn assert_has(&self, verb: &str, resource: &str, name: &str) {
        assert!(
            self.0.iter().any(|action| action.is_on(verb, resource, name)),
            "expected {verb} {resource} {name}; the fake served:\n{self}"
        );
    }

    /// Panics, listing what was served, unless no action is `verb` on `resource`.
    #[track_caller]
    pub fn assert_none(&self, verb: &str, resource: &str) {
        assert!(
            self.count(verb, resource) == 0,
            "expected no {verb} {resource}; the fake served:\n{self}"
        );
    }
}

impl std::fmt::Display for ActionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for action in &self.0 {
            writeln!(f, "  {action}")?;
        }
        Ok(())
    }
}
