//! `x-kubernetes-validations`: CEL rules evaluated at every value of their
//! schema node, with `self` bound to that value and, for transition rules,
//! `oldSelf` to the stored one at the same place. Failures are reported as
//! apiextensions-apiserver reports them (`spec: Invalid value: "object":
//! <message>`), with the rule's `reason`, `fieldPath`, `message` or
//! `messageExpression`.
//!
//! The interpreter is the `cel` crate with its strings, lists and math
//! extensions, plus the Kubernetes functions of [`library`],
//! [`quantity`] and [`network`]; format and semver are not there,
//! and docs/fake-crd.md says so.

mod library;
mod network;
mod quantity;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use cel::objects::OptionalValue;
use cel::{Context, Env, Program, Value as CelValue};
use serde_json::Value;

use super::messages::{self, child, index};
use super::schema::{Rule, Schema};
use crate::cluster::request::errors::FieldError;

/// The environment every rule runs in, built once.
fn environment() -> Arc<Env> {
    static ENVIRONMENT: OnceLock<Arc<Env>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            let mut env = Env::stdlib();
            // Registration fails only on a name clash, which these extensions do not have.
            let _ = cel::extensions::strings(&mut env);
            let _ = cel::extensions::lists(&mut env);
            let _ = cel::extensions::math(&mut env);
            Arc::new(env)
        })
        .clone()
}

fn compile(source: &str) -> Result<Program, String> {
    environment().compile(source).map_err(|error| error.to_string())
}

/// The rules of `schema` (at `path` in the CRD) that do not compile.
pub(crate) fn compile_errors(schema: &Value, path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    collect_compile_errors(&Schema::parse(schema), path, &mut errors);
    errors
}

fn collect_compile_errors(schema: &Schema, path: &str, errors: &mut Vec<FieldError>) {
    for (at, rule) in schema.rules.iter().enumerate() {
        let rule_path = index(&child(path, "x-kubernetes-validations"), at);
        if let Err(error) = compile(&rule.rule) {
            let field = child(&rule_path, "rule");
            errors.push(messages::invalid(
                &field,
                &Value::from(rule.rule.clone()),
                &format!("compilation failed: {error}"),
            ));
        }
        if let Some(expression) = &rule.message_expression
            && let Err(error) = compile(expression)
        {
            let field = child(&rule_path, "messageExpression");
            errors.push(messages::invalid(
                &field,
                &Value::from(expression.clone()),
                &format!("messageExpression compilation failed: {error}"),
            ));
        }
    }
    for (name, property) in &schema.properties {
        collect_compile_errors(
            property,
            &format!("{}[{name}]", child(path, "properties")),
            errors,
        );
    }
    if let Some(items) = &schema.items {
        collect_compile_errors(items, &child(path, "items"), errors);
    }
    if let Some(additional) = &schema.additional_properties {
        collect_compile_errors(additional, &child(path, "additionalProperties"), errors);
    }
}

/// Every failing rule of `value` (and of `old`, the stored object, for transition rules).
pub(crate) fn rule_errors(schema: &Schema, value: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let evaluator = Evaluator::new();
    let mut errors = Vec::new();
    check(&evaluator, schema, value, old, "", &mut errors);
    errors
}

/// What every rule of one object is evaluated with: the functions, and each
/// rule compiled once however many values it checks.
struct Evaluator {
    functions: Context<'static, 'static>,
    programs: RefCell<HashMap<String, Rc<Result<Program, String>>>>,
}

impl Evaluator {
    fn new() -> Self {
        let mut functions = Context::with_env(environment());
        library::add_kubernetes_functions(&mut functions);
        quantity::add_quantity_functions(&mut functions);
        network::add_network_functions(&mut functions);
        Evaluator {
            functions,
            programs: RefCell::default(),
        }
    }

    /// Runs `source` in `context`, compiling it on first use.
    fn run(&self, source: &str, context: &Context) -> Result<CelValue, String> {
        let program = self
            .programs
            .borrow_mut()
            .entry(source.to_owned())
            .or_insert_with(|| Rc::new(compile(source)))
            .clone();
        match program.as_ref() {
            Ok(program) => program.execute(context).map_err(|error| error.to_string()),
            Err(error) => Err(error.clone()),
        }
    }
}

fn check(
    evaluator: &Evaluator,
    schema: &Schema,
    value: &Value,
    old: Option<&Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    if value.is_null() {
        return;
    }
    for rule in &schema.rules {
        if !rule.is_transition() && old == Some(value) {
            // Ratcheting: a rule that does not compare with the old value
            // is not checked again where the update changed nothing.
            continue;
        }
        let old_self = match (rule.is_transition(), rule.optional_old_self, old) {
            (false, _, _) => OldSelf::Unbound,
            (true, false, Some(old)) => OldSelf::Value(old),
            // A transition rule is checked only where there is an old value...
            (true, false, None) => continue,
            // ...unless it takes `oldSelf` as an optional.
            (true, true, old) => OldSelf::Optional(old),
        };
        if let Some(error) = evaluate(evaluator, rule, schema, value, old_self, path) {
            errors.push(error);
        }
    }
    match value {
        Value::Object(map) => {
            for (name, field_value) in map {
                let Some(field_schema) = schema.field(name) else {
                    continue;
                };
                let old_field = old.and_then(|old| old.get(name));
                check(
                    evaluator,
                    field_schema,
                    field_value,
                    old_field,
                    &child(path, name),
                    errors,
                );
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = &schema.items else { return };
            for (at, item) in items.iter().enumerate() {
                let old_item = old.and_then(|old| correlated_item(schema, item, old));
                check(evaluator, item_schema, item, old_item, &index(path, at), errors);
            }
        }
        _ => {}
    }
}

/// The old list item a new one corresponds to: by keys in a map list, by
/// equality in a set; atomic lists have none (as on the server).
fn correlated_item<'a>(schema: &Schema, item: &Value, old: &'a Value) -> Option<&'a Value> {
    let old_items = old.as_array()?;
    match schema.list_type.as_deref() {
        Some("map") => old_items.iter().find(|candidate| {
            schema
                .list_map_keys
                .iter()
                .all(|key| candidate.get(key) == item.get(key))
        }),
        Some("set") => old_items.iter().find(|candidate| *candidate == item),
        _ => None,
    }
}

/// What `oldSelf` is bound to for one rule.
enum OldSelf<'a> {
    /// Not a transition rule.
    Unbound,
    /// The stored value.
    Value(&'a Value),
    /// `optionalOldSelf: true`: an optional, empty on create.
    Optional(Option<&'a Value>),
}

/// One rule at one value: `None` when it holds.
fn evaluate(
    evaluator: &Evaluator,
    rule: &Rule,
    schema: &Schema,
    value: &Value,
    old: OldSelf<'_>,
    path: &str,
) -> Option<FieldError> {
    let mut context = evaluator.functions.new_inner_scope();
    context.add_variable_from_value("self", to_cel(value, Some(schema)));
    match old {
        OldSelf::Unbound => {}
        OldSelf::Value(old) => context.add_variable_from_value("oldSelf", to_cel(old, Some(schema))),
        OldSelf::Optional(old) => {
            let optional = match old {
                Some(old) => OptionalValue::of(to_cel(old, Some(schema))),
                None => OptionalValue::none(),
            };
            context.add_variable_from_value("oldSelf", CelValue::Opaque(Arc::new(optional)));
        }
    }
    let message = match evaluator.run(&rule.rule, &context) {
        Ok(CelValue::Bool(true)) => return None,
        Ok(CelValue::Bool(false)) => failure_message(evaluator, rule, &context),
        Ok(_) => "rule did not evaluate to a bool".to_owned(),
        Err(error) => error,
    };
    let field = match &rule.field_path {
        Some(relative) => format!("{path}{relative}").trim_start_matches('.').to_owned(),
        None => path.to_owned(),
    };
    let type_name = Value::String(schema.type_name.clone());
    Some(match rule.reason.as_deref() {
        Some("FieldValueForbidden") => messages::forbidden(&field, &message),
        Some("FieldValueRequired") => messages::required(&field, &message),
        Some("FieldValueDuplicate") => messages::duplicate(&field, &Value::String(message)),
        _ => messages::invalid(&field, &type_name, &message),
    })
}

/// `messageExpression` if it gives a non-empty string, else `message`, else `failed rule: <rule>`.
fn failure_message(evaluator: &Evaluator, rule: &Rule, context: &Context) -> String {
    let from_expression = rule.message_expression.as_deref().and_then(|expression| {
        match evaluator.run(expression, context).ok()? {
            CelValue::String(text) if !text.trim().is_empty() => Some(text.to_string()),
            _ => None,
        }
    });
    from_expression
        .or_else(|| rule.message.clone())
        .unwrap_or_else(|| format!("failed rule: {}", rule.rule))
}

/// A JSON value as CEL sees it; a schema's property names are also
/// reachable by their escaped form (`foo-bar` as `foo__dash__bar`).
fn to_cel(value: &Value, schema: Option<&Schema>) -> CelValue {
    match value {
        Value::Null => CelValue::Null,
        Value::Bool(flag) => CelValue::Bool(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(int) => CelValue::Int(int),
            None => number
                .as_u64()
                .map(CelValue::UInt)
                .unwrap_or_else(|| CelValue::Float(number.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(text) => CelValue::String(Arc::new(text.clone())),
        Value::Array(items) => {
            let item_schema = schema.and_then(|schema| schema.items.as_deref());
            CelValue::List(Arc::new(
                items.iter().map(|item| to_cel(item, item_schema)).collect(),
            ))
        }
        Value::Object(map) => {
            let mut entries: HashMap<String, CelValue> = HashMap::new();
            for (name, field_value) in map {
                let field_schema = schema.and_then(|schema| schema.field(name));
                let converted = to_cel(field_value, field_schema);
                if schema.is_some_and(|schema| schema.properties.contains_key(name)) {
                    let escaped = escape(name);
                    if escaped != *name {
                        entries.insert(escaped, converted.clone());
                    }
                }
                entries.insert(name.clone(), converted);
            }
            CelValue::from(entries)
        }
    }
}

/// Kubernetes' escaping of property names that are not CEL identifiers.
fn escape(name: &str) -> String {
    const RESERVED: [&str; 21] = [
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ];
    if RESERVED.contains(&name) {
        return format!("__{name}__");
    }
    name.replace("__", "__underscores__")
        .replace('.', "__dot__")
        .replace('-', "__dash__")
        .replace('/', "__slash__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(rules: Value) -> Schema {
        Schema::parse(
            &json!({"type": "object", "properties": {"spec": {"type": "object",
            "properties": {"replicas": {"type": "integer"}, "maxReplicas": {"type": "integer"},
                           "max-surge": {"type": "string"}, "name": {"type": "string"}},
            "x-kubernetes-validations": rules}}}),
        )
    }

    #[test]
    fn a_failing_rule_reports_its_message_at_its_node() {
        let found = rule_errors(
            &schema(
                json!([{"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"}]),
            ),
            &json!({"spec": {"replicas": 5, "maxReplicas": 3}}),
            None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "spec");
        assert_eq!(
            found[0].message,
            r#"Invalid value: "object": replicas must not exceed maxReplicas"#
        );
    }

    #[test]
    fn message_expressions_reasons_and_field_paths() {
        let found = rule_errors(
            &schema(
                json!([{"rule": "self.name.startsWith('a')", "messageExpression": "'name ' + self.name + ' must start with a'",
                            "reason": "FieldValueForbidden", "fieldPath": ".name"}]),
            ),
            &json!({"spec": {"name": "bob"}}),
            None,
        );
        assert_eq!(found[0].field, "spec.name");
        assert_eq!(found[0].message, "Forbidden: name bob must start with a");
    }

    #[test]
    fn transition_rules_need_an_old_value() {
        let rules =
            schema(json!([{"rule": "self.replicas >= oldSelf.replicas", "message": "may not scale down"}]));
        let down = json!({"spec": {"replicas": 1}});
        assert!(
            rule_errors(&rules, &down, None).is_empty(),
            "not checked on create"
        );
        assert_eq!(
            rule_errors(&rules, &down, Some(&json!({"spec": {"replicas": 2}}))).len(),
            1
        );
    }

    #[test]
    fn the_kubernetes_functions_the_fake_models_evaluate() {
        let rules = schema(json!([
            {"rule": "[1, 3, 2].sum() == 6 && [1, 2].isSorted() && ![2, 1].isSorted()"},
            {"rule": "[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3"},
            {"rule": "sets.contains([1, 2], [1]) && sets.intersects([1], [1, 3]) && sets.equivalent([1, 2], [2, 1])"},
            {"rule": "'abc123'.find('[0-9]+') == '123' && 'a1b2'.findAll('[0-9]') == ['1', '2']"},
            {"rule": "self.name.matches('^[a-z]+$') && self.name.split('o').size() == 2 && self.name.upperAscii() == 'BOB'"},
            {"rule": "[2, 1].sort() == [1, 2] && math.greatest(1, 2) == 2 && self.?note.orValue('n') == 'n'"},
            {"rule": "quantity('1Gi').isGreaterThan(quantity('1000Mi')) && quantity('500m').isLessThan(quantity('1'))"},
            {"rule": "isQuantity('2Ki') && !isQuantity('2 apples') && quantity('2Ki').asInteger() == 2048"},
            {"rule": "quantity('1').add(quantity('500m')).compareTo(quantity('1.5')) == 0 && quantity('1').sub(2).sign() == -1"},
            {"rule": "isIP('10.0.0.1') && !isIP('::ffff:10.0.0.1') && ip('10.0.0.1').family() == 4 && ip('::1').isLoopback()"},
            {"rule": "cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))"},
            {"rule": "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')"},
            {"rule": "ip.isCanonical('10.0.0.1') && !ip.isCanonical('2001:DB8::1')"},
            {"rule": "ip('169.254.1.1').isLinkLocalUnicast() && ip('ff02::1').isLinkLocalMulticast() && ip('8.8.8.8').isGlobalUnicast()"},
            {"rule": "cidr('10.0.0.0/8').prefixLength() == 8 && cidr('10.0.0.0/8').ip() == ip('10.0.0.0') && isCIDR('::/0')"},
            {"rule": "isURL('https://example.com:8443/a?b=c') && url('https://example.com:8443/a').getHost() == 'example.com:8443'"},
            {"rule": "url('https://example.com/a?b=c&b=d').getQuery()['b'] == ['c', 'd'] && url('/p').getEscapedPath() == '/p'"},
            {"rule": "url('https://example.com:8443/').getPort() == '8443' && url('https://[::1]/').getHostname() == '::1'"},
            {"rule": "quantity('1.5').asApproximateFloat() == 1.5 && !quantity('1.5').isInteger() && quantity('1k') == quantity('1000')"}
        ]));
        let found = rule_errors(&rules, &json!({"spec": {"name": "bob"}}), None);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn unchanged_values_are_not_checked_again() {
        let rules = schema(json!([{"rule": "self.replicas <= 3", "message": "too many"}]));
        let many = json!({"spec": {"replicas": 5}});
        assert_eq!(rule_errors(&rules, &many, None).len(), 1);
        assert!(rule_errors(&rules, &many, Some(&many)).is_empty());
    }

    #[test]
    fn optional_old_self_runs_on_create_with_an_empty_optional() {
        let rules = schema(
            json!([{"rule": "!oldSelf.hasValue() || self.replicas >= oldSelf.value().replicas",
                                   "optionalOldSelf": true, "message": "may not scale down"}]),
        );
        assert!(rule_errors(&rules, &json!({"spec": {"replicas": 1}}), None).is_empty());
        let old = json!({"spec": {"replicas": 2}});
        assert_eq!(
            rule_errors(&rules, &json!({"spec": {"replicas": 1}}), Some(&old)).len(),
            1
        );
    }

    #[test]
    fn escaped_names_strings_extension_and_compile_errors() {
        let rules = schema(json!([{"rule": "self.max__dash__surge.lowerAscii() == 'x'"}]));
        assert!(rule_errors(&rules, &json!({"spec": {"max-surge": "X"}}), None).is_empty());
        let broken = json!({"type": "object", "x-kubernetes-validations": [{"rule": "self.a ==="}]});
        assert_eq!(
            compile_errors(&broken, "root")[0].field,
            "root.x-kubernetes-validations[0].rule"
        );
    }
}
