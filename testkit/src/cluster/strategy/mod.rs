//! Each kind's rules, as kube-apiserver's registry strategies hold them:
//! name and object validation, spec rules, immutable fields and the fields
//! a field selector may use.

pub(super) mod fields;
pub(super) mod immutable;
pub(super) mod spec_rules;
pub(super) mod validation;
