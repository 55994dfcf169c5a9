/// A selector string that does not parse, or a selector whose keys or values
/// the API server would reject.
///
/// `position` is the byte offset in the input where the problem starts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} selector {input:?}: at position {position}: {message}")]
#[non_exhaustive]
pub struct SelectorError {
    /// `label` or `field`.
    pub kind: &'static str,
    /// The whole selector as given.
    pub input: String,
    /// Byte offset of the problem in `input`.
    pub position: usize,
    /// What is wrong there.
    pub message: String,
}

/// A label the API server would refuse on an object: its key or its value
/// breaks the rules for labels (the same rules a selector's keys and values
/// follow).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid label: {message}")]
#[non_exhaustive]
pub struct InvalidLabel {
    /// The label's key.
    pub key: String,
    /// The label's value.
    pub value: String,
    /// What is wrong with it, naming the key or the value.
    pub message: String,
}

impl SelectorError {
    pub(crate) fn label(input: &str, position: usize, message: impl Into<String>) -> Self {
        SelectorError {
            kind: "label",
            input: input.to_string(),
            position,
            message: message.into(),
        }
    }

    pub(crate) fn field(input: &str, position: usize, message: impl Into<String>) -> Self {
        SelectorError {
            kind: "field",
            input: input.to_string(),
            position,
            message: message.into(),
        }
    }
}
