use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;

use super::error::{InvalidLabel, SelectorError};
use super::label_parser;
use super::name::{check_label_key, check_label_value};

/// How a [`LabelRequirement`] relates its key to its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key=value` (also written `key==value`): the label is present with that value.
    Equals,
    /// `key!=value`: the label is absent or has another value.
    NotEquals,
    /// `key in (a,b)`: the label is present with one of the values.
    In,
    /// `key notin (a,b)`: the label is absent or has none of the values.
    NotIn,
    /// `key`: the label is present, whatever its value.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key>n`: the label is present and is an integer greater than `n`.
    GreaterThan,
    /// `key<n`: the label is present and is an integer less than `n`.
    LessThan,
}

/// One requirement of a [`LabelSelector`]: a key, an operator and its values
/// (one for `=`/`!=`, one or more for `in`/`notin`, none for `key`/`!key`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LabelRequirement {
    /// The label key, with its optional DNS prefix.
    pub key: String,
    /// How the key relates to the values.
    pub operator: Operator,
    /// The values, sorted and without duplicates.
    pub values: BTreeSet<String>,
}

impl LabelRequirement {
    /// Whether a set of labels satisfies this requirement. `!=` and `notin`
    /// match when the key is absent, as on the API server.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_value(labels.get(&self.key).map(String::as_str))
    }

    /// Whether an object whose label [`key`](Self::key) has `value` (`None`:
    /// the object has no such label) satisfies this requirement. What
    /// [`matches`](Self::matches) asks, for a caller that holds labels in
    /// another form than a `BTreeMap` of owned strings.
    ///
    /// ```
    /// use rudder::types::LabelSelector;
    ///
    /// let tier = LabelSelector::parse("tier in (web,db)").unwrap();
    /// let tier = &tier.requirements()[0];
    /// assert!(tier.matches_value(Some("web")) && !tier.matches_value(None));
    /// let replicas = LabelSelector::parse("replicas>2").unwrap();
    /// let replicas = &replicas.requirements()[0];
    /// assert!(replicas.matches_value(Some("3")) && !replicas.matches_value(Some("x")));
    /// ```
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        match self.operator {
            Operator::Equals | Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotEquals | Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let bound = self.values.iter().next().and_then(|v| v.parse::<i64>().ok());
                let actual = value.and_then(|v| v.parse::<i64>().ok());
                match (actual, bound) {
                    (Some(actual), Some(bound)) if self.operator == Operator::GreaterThan => actual > bound,
                    (Some(actual), Some(bound)) => actual < bound,
                    _ => false,
                }
            }
        }
    }

    /// Checks the key and values against the API server's rules.
    pub(crate) fn check(&self) -> Result<(), String> {
        check_label_key(&self.key)?;
        let count = self.values.len();
        if let Operator::GreaterThan | Operator::LessThan = self.operator {
            let integer = self
                .values
                .iter()
                .next()
                .is_some_and(|v| v.parse::<i64>().is_ok());
            if count != 1 || !integer {
                return Err(format!(
                    "key {:?}: exactly one integer value is required for '>' and '<'",
                    self.key
                ));
            }
            return Ok(());
        }
        self.values.iter().try_for_each(|v| check_label_value(v))?;
        match self.operator {
            Operator::Equals | Operator::NotEquals if count != 1 => Err(format!(
                "key {:?}: exactly one value is required for '=', '==' and '!='",
                self.key
            )),
            Operator::In | Operator::NotIn if count == 0 => Err(format!(
                "key {:?}: for 'in' and 'notin' the set of values must not be empty",
                self.key
            )),
            Operator::Exists | Operator::DoesNotExist if count != 0 => Err(format!(
                "key {:?}: values are not allowed for an existence test",
                self.key
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for LabelRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        let first = self.values.iter().next().map(String::as_str).unwrap_or_default();
        let list = || {
            self.values
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(",")
        };
        match self.operator {
            Operator::Equals => write!(f, "{key}={first}"),
            Operator::NotEquals => write!(f, "{key}!={first}"),
            Operator::In => write!(f, "{key} in ({})", list()),
            Operator::NotIn => write!(f, "{key} notin ({})", list()),
            Operator::Exists => write!(f, "{key}"),
            Operator::DoesNotExist => write!(f, "!{key}"),
            Operator::GreaterThan => write!(f, "{key}>{first}"),
            Operator::LessThan => write!(f, "{key}<{first}"),
        }
    }
}

/// A label selector: requirements that must all hold. The empty selector
/// matches everything.
///
/// Parsed from the API server's syntax, or built:
///
/// ```
/// use rudder::types::LabelSelector;
/// use std::collections::BTreeMap;
///
/// let parsed: LabelSelector = "app=web, tier in (a,b), !canary".parse()?;
/// let built = LabelSelector::new().eq("app", "web").in_("tier", ["b", "a"]).does_not_exist("canary");
/// assert_eq!(parsed, built);
/// assert_eq!(built.to_string(), "app=web,!canary,tier in (a,b)");
///
/// let labels = BTreeMap::from([("app".to_string(), "web".to_string()), ("tier".to_string(), "a".to_string())]);
/// assert!(parsed.matches(&labels));
/// # Ok::<(), rudder::types::SelectorError>(())
/// ```
///
/// Requirements are kept sorted by key (stably), as the API server keeps
/// them, so two selectors that differ only in order are equal and render the
/// same. The builder does not validate; [`LabelSelector::validate`] and
/// parsing do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    requirements: Vec<LabelRequirement>,
}

impl LabelSelector {
    /// The empty selector, which matches everything; add requirements with the builder methods.
    pub fn new() -> Self {
        LabelSelector::default()
    }

    /// Parses the API server's syntax: comma-separated `k=v`, `k==v`,
    /// `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, and the integer
    /// comparisons `k>n`, `k<n`.
    ///
    /// # Errors
    /// A [`SelectorError`] naming the byte position and what was expected.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        let requirements = label_parser::parse(input)?;
        Ok(LabelSelector::from_requirements(requirements))
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[LabelRequirement] {
        &self.requirements
    }

    /// Whether this selector has no requirements (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether a set of labels satisfies every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Checks every key and value against the API server's rules.
    ///
    /// # Errors
    /// A [`SelectorError`] for the first bad requirement, positioned in the canonical rendering.
    pub fn validate(&self) -> Result<(), SelectorError> {
        let rendered = self.to_string();
        let mut position = 0;
        for requirement in &self.requirements {
            requirement
                .check()
                .map_err(|why| SelectorError::label(&rendered, position, why))?;
            position += requirement.to_string().len() + 1;
        }
        Ok(())
    }

    /// Checks one label, its key and its value, against the API server's
    /// rules: what [`validate`](Self::validate) says of the selector
    /// `key=value`, without building it (a check per label of every object
    /// a server stores).
    ///
    /// ```
    /// use rudder::types::LabelSelector;
    ///
    /// assert!(LabelSelector::check_label("app.kubernetes.io/name", "web").is_ok());
    /// let refused = LabelSelector::check_label("app", "-web").unwrap_err();
    /// assert_eq!(refused.key, "app");
    /// assert!(refused.message.contains("alphanumeric"));
    /// ```
    ///
    /// # Errors
    /// [`InvalidLabel`], whose message words the problem as
    /// [`SelectorError::message`] does.
    pub fn check_label(key: &str, value: &str) -> Result<(), InvalidLabel> {
        check_label_key(key)
            .and_then(|()| check_label_value(value))
            .map_err(|message| InvalidLabel {
                key: key.to_owned(),
                value: value.to_owned(),
                message,
            })
    }

    /// Adds `key=value`.
    pub fn eq(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(key, Operator::Equals, [value.into()])
    }

    /// Adds `key!=value`.
    pub fn ne(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(key, Operator::NotEquals, [value.into()])
    }

    /// Adds `key in (values)`.
    pub fn in_<V: Into<String>>(self, key: impl Into<String>, values: impl IntoIterator<Item = V>) -> Self {
        self.with(key, Operator::In, values.into_iter().map(Into::into))
    }

    /// Adds `key notin (values)`.
    pub fn not_in<V: Into<String>>(
        self,
        key: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.with(key, Operator::NotIn, values.into_iter().map(Into::into))
    }

    /// Adds `key` (the label is present).
    pub fn exists(self, key: impl Into<String>) -> Self {
        self.with(key, Operator::Exists, [])
    }

    /// Adds `!key` (the label is absent).
    pub fn does_not_exist(self, key: impl Into<String>) -> Self {
        self.with(key, Operator::DoesNotExist, [])
    }

    /// Adds a requirement.
    pub fn with(
        mut self,
        key: impl Into<String>,
        operator: Operator,
        values: impl IntoIterator<Item = String>,
    ) -> Self {
        self.requirements.push(LabelRequirement {
            key: key.into(),
            operator,
            values: values.into_iter().collect(),
        });
        self.requirements.sort_by(|a, b| a.key.cmp(&b.key));
        self
    }

    fn from_requirements(mut requirements: Vec<LabelRequirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        LabelSelector { requirements }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

impl FromStr for LabelSelector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LabelSelector::parse(s)
    }
}

impl From<&BTreeMap<String, String>> for LabelSelector {
    /// `key=value` for each label: the selector that matches objects carrying all of them.
    fn from(labels: &BTreeMap<String, String>) -> Self {
        let requirements = labels
            .iter()
            .map(|(key, value)| LabelRequirement {
                key: key.clone(),
                operator: Operator::Equals,
                values: BTreeSet::from([value.clone()]),
            })
            .collect();
        LabelSelector::from_requirements(requirements)
    }
}

impl serde::Serialize for LabelSelector {
    /// As the selector string, the form the API server takes.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for LabelSelector {
    /// From the selector string, parsed and validated.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        LabelSelector::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<&metav1::LabelSelector> for LabelSelector {
    type Error = SelectorError;

    /// `matchLabels` become `key=value`; `matchExpressions` become `in`,
    /// `notin`, `key` and `!key`. An unknown operator, or values where the
    /// operator allows none, is an error.
    fn try_from(selector: &metav1::LabelSelector) -> Result<Self, Self::Error> {
        let mut requirements = Vec::new();
        for (key, value) in selector.match_labels.iter().flatten() {
            let requirement = LabelRequirement {
                key: key.clone(),
                operator: Operator::Equals,
                values: BTreeSet::from([value.clone()]),
            };
            requirement
                .check()
                .map_err(|why| SelectorError::label("matchLabels", 0, why))?;
            requirements.push(requirement);
        }
        for (index, expression) in selector.match_expressions.iter().flatten().enumerate() {
            let at = format!("matchExpressions[{index}]");
            let operator = match expression.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(SelectorError::label(
                        &at,
                        0,
                        format!("operator {other:?} is not one of In, NotIn, Exists, DoesNotExist"),
                    ));
                }
            };
            let requirement = LabelRequirement {
                key: expression.key.clone(),
                operator,
                values: expression.values.iter().flatten().cloned().collect(),
            };
            requirement
                .check()
                .map_err(|why| SelectorError::label(&at, 0, why))?;
            requirements.push(requirement);
        }
        let out = LabelSelector::from_requirements(requirements);
        Ok(out)
    }
}

impl TryFrom<metav1::LabelSelector> for LabelSelector {
    type Error = SelectorError;

    fn try_from(selector: metav1::LabelSelector) -> Result<Self, Self::Error> {
        LabelSelector::try_from(&selector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    proptest! {
        /// One label checked alone says what validating `key=value` says.
        #[test]
        fn a_label_checks_as_its_equality_selector_validates(key in "[a-z./_-]{0,6}", value in "[a-zA-Z0-9._ -]{0,6}") {
            let validated = LabelSelector::new().eq(key.as_str(), value.as_str()).validate();
            prop_assert_eq!(
                LabelSelector::check_label(&key, &value).map_err(|refused| refused.message),
                validated.map_err(|e| e.message)
            );
        }
    }

    #[test]
    fn negative_operators_match_when_the_key_is_absent() {
        let none = labels(&[]);
        assert!(LabelSelector::new().ne("a", "x").matches(&none));
        assert!(LabelSelector::new().not_in("a", ["x"]).matches(&none));
        assert!(LabelSelector::new().does_not_exist("a").matches(&none));
        assert!(!LabelSelector::new().eq("a", "x").matches(&none));
        assert!(!LabelSelector::new().in_("a", ["x"]).matches(&none));
        assert!(!LabelSelector::new().exists("a").matches(&none));
    }

    #[test]
    fn every_requirement_must_hold() {
        let selector = LabelSelector::parse("app=web,tier in (a,b),!canary,env").unwrap_or_default();
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "b"), ("env", "")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "c"), ("env", "")])));
        assert!(!selector.matches(&labels(&[
            ("app", "web"),
            ("tier", "a"),
            ("env", ""),
            ("canary", "1")
        ])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "a")])));
    }

    #[test]
    fn integer_comparisons_need_an_integer_label() {
        let selector = LabelSelector::parse("gen>3,size<10").unwrap_or_default();
        assert!(selector.matches(&labels(&[("gen", "4"), ("size", "9")])));
        assert!(!selector.matches(&labels(&[("gen", "3"), ("size", "9")])));
        assert!(!selector.matches(&labels(&[("gen", "x"), ("size", "9")])));
        assert!(!selector.matches(&labels(&[("size", "9")])));
    }

    #[test]
    fn a_label_set_becomes_equality_requirements() {
        let set = labels(&[("b", "2"), ("a", "1")]);
        let selector = LabelSelector::from(&set);
        assert_eq!(selector.to_string(), "a=1,b=2");
        assert!(selector.matches(&set));
    }

    #[test]
    fn serde_uses_the_selector_string() {
        let selector = LabelSelector::new().in_("tier", ["a"]).exists("x");
        let json = serde_json::to_string(&selector).unwrap_or_default();
        assert_eq!(json, r#""tier in (a),x""#);
        assert_eq!(serde_json::from_str::<LabelSelector>(&json).ok(), Some(selector));
        let error = serde_json::from_str::<LabelSelector>(r#""a in""#).map_err(|e| e.to_string());
        assert!(error.is_err_and(|e| e.contains("at position 4")));
    }

    #[test]
    fn the_empty_selector_matches_everything() {
        assert!(LabelSelector::new().matches(&labels(&[("a", "b")])));
        assert!(LabelSelector::parse("  ").unwrap_or_default().is_empty());
    }

    #[test]
    fn metav1_selectors_convert_to_requirements() {
        let selector = metav1::LabelSelector {
            match_labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
            match_expressions: Some(vec![
                metav1::LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "NotIn".into(),
                    values: Some(vec!["db".into(), "cache".into()]),
                },
                metav1::LabelSelectorRequirement {
                    key: "canary".into(),
                    operator: "DoesNotExist".into(),
                    values: None,
                },
            ]),
        };
        let converted = LabelSelector::try_from(&selector).map(|s| s.to_string());
        assert_eq!(converted.as_deref(), Ok("app=web,!canary,tier notin (cache,db)"));
    }

    #[test]
    fn metav1_selectors_with_bad_operators_or_values_are_refused() {
        let bad_operator = metav1::LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![metav1::LabelSelectorRequirement {
                key: "a".into(),
                operator: "Gt".into(),
                values: Some(vec!["1".into()]),
            }]),
        };
        let empty_in = metav1::LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![metav1::LabelSelectorRequirement {
                key: "a".into(),
                operator: "In".into(),
                values: Some(vec![]),
            }]),
        };
        let messages = [bad_operator, empty_in].map(|s| {
            LabelSelector::try_from(s)
                .map(|s| s.to_string())
                .unwrap_or_else(|e| e.to_string())
        });
        insta::assert_snapshot!(messages.join("\n"));
    }

    fn key() -> impl Strategy<Value = String> {
        "(([a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?\\.){0,2}[a-z]{1,4}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?"
    }

    fn value() -> impl Strategy<Value = String> {
        "([A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?)?"
    }

    fn requirement() -> impl Strategy<Value = (String, Operator, Vec<String>)> {
        let op = prop_oneof![
            Just(Operator::Equals),
            Just(Operator::NotEquals),
            Just(Operator::In),
            Just(Operator::NotIn),
            Just(Operator::Exists),
            Just(Operator::DoesNotExist),
            Just(Operator::GreaterThan),
            Just(Operator::LessThan),
        ];
        (key(), op, proptest::collection::vec(value(), 1..4)).prop_map(|(k, op, mut values)| {
            match op {
                Operator::Equals | Operator::NotEquals => values.truncate(1),
                Operator::GreaterThan | Operator::LessThan => {
                    values = vec![format!("{}", values[0].len() as i64 - 5)]
                }
                Operator::Exists | Operator::DoesNotExist => values.clear(),
                Operator::In | Operator::NotIn => {}
            }
            (k, op, values)
        })
    }

    proptest! {
        #[test]
        fn parse_of_display_round_trips(requirements in proptest::collection::vec(requirement(), 0..5)) {
            let mut selector = LabelSelector::new();
            for (key, op, values) in requirements {
                selector = selector.with(key, op, values);
            }
            prop_assert_eq!(selector.validate(), Ok(()));
            let rendered = selector.to_string();
            prop_assert_eq!(LabelSelector::parse(&rendered), Ok(selector), "{}", rendered);
        }

        #[test]
        fn parsing_any_string_never_panics(input in "[a-z!=,() .\\-/]{0,24}") {
            let _ = LabelSelector::parse(&input);
        }
    }
}
