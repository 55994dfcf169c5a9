//! Kubernetes' CEL quantity library: `quantity('1.5Gi')`, `isQuantity`,
//! and the comparisons and arithmetic on the values. A quantity is held
//! exactly, in nano-units, as the API server's `resource.Quantity` keeps
//! it (smaller fractions round up, as there).

use std::sync::Arc;

use cel::extractors::This;
use cel::objects::Opaque;
use cel::{Context, ExecutionError, Value};

/// A parsed quantity, in units of 10^-9.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Quantity {
    nanos: i128,
}

impl Opaque for Quantity {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.Quantity"
    }
}

impl Quantity {
    /// Parses Kubernetes' quantity syntax: a signed decimal number and a
    /// binary (`Ki`..`Ei`), decimal SI (`n`..`E`) or exponent (`e3`) suffix.
    pub(crate) fn parse(text: &str) -> Option<Quantity> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let (decimal_exponent, binary_exponent) = suffix_exponents(suffix)?;
        let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
        let scale = 9 + decimal_exponent - fraction.len() as i32;
        let mut nanos = digits.checked_mul(2i128.checked_pow(binary_exponent)?)?;
        if scale >= 0 {
            nanos = nanos.checked_mul(10i128.checked_pow(scale as u32)?)?;
        } else {
            let divisor = 10i128.checked_pow(scale.unsigned_abs())?;
            nanos = (nanos + divisor - 1) / divisor;
        }
        Some(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }
}

/// The decimal and binary exponents of a suffix.
fn suffix_exponents(suffix: &str) -> Option<(i32, u32)> {
    let binary = |power: u32| Some((0, power));
    match suffix {
        "" => Some((0, 0)),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        "n" => Some((-9, 0)),
        "u" => Some((-6, 0)),
        "m" => Some((-3, 0)),
        "k" => Some((3, 0)),
        "M" => Some((6, 0)),
        "G" => Some((9, 0)),
        "T" => Some((12, 0)),
        "P" => Some((15, 0)),
        "E" => Some((18, 0)),
        exponent => {
            let digits = exponent
                .strip_prefix('e')
                .or_else(|| exponent.strip_prefix('E'))?;
            Some((digits.parse().ok()?, 0))
        }
    }
}

/// Adds the quantity functions to a rule's context.
pub(crate) fn add_quantity_functions(context: &mut Context) {
    // Adding fails only for a name the environment already declares; these it does not.
    let _ = context.add_function("quantity", quantity);
    let _ = context.add_function("isQuantity", is_quantity);
    let _ = context.add_function("sign", sign);
    let _ = context.add_function("isInteger", is_integer);
    let _ = context.add_function("asInteger", as_integer);
    let _ = context.add_function("asApproximateFloat", as_approximate_float);
    let _ = context.add_function("isGreaterThan", is_greater_than);
    let _ = context.add_function("isLessThan", is_less_than);
    let _ = context.add_function("compareTo", compare_to);
    let _ = context.add_function("add", add);
    let _ = context.add_function("sub", sub);
}

fn error(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

fn quantity_of(function: &str, value: &Value) -> Result<Quantity, ExecutionError> {
    match value {
        Value::Opaque(opaque) => opaque
            .downcast_ref::<Quantity>()
            .copied()
            .ok_or_else(|| error(function, "expected a quantity")),
        Value::Int(int) => Ok(Quantity {
            nanos: i128::from(*int) * 1_000_000_000,
        }),
        _ => Err(error(function, "expected a quantity")),
    }
}

fn wrap(quantity: Quantity) -> Value {
    Value::Opaque(Arc::new(quantity))
}

fn quantity(text: Arc<String>) -> Result<Value, ExecutionError> {
    Quantity::parse(&text).map(wrap).ok_or_else(|| {
        error(
            "quantity",
            format!("quantities must match the regular expression: {text}"),
        )
    })
}

fn is_quantity(text: Arc<String>) -> bool {
    Quantity::parse(&text).is_some()
}

fn sign(This(this): This<Value>) -> Result<i64, ExecutionError> {
    Ok(quantity_of("sign", &this)?.nanos.signum() as i64)
}

fn is_integer(This(this): This<Value>) -> Result<bool, ExecutionError> {
    let nanos = quantity_of("isInteger", &this)?.nanos;
    Ok(nanos % 1_000_000_000 == 0 && i64::try_from(nanos / 1_000_000_000).is_ok())
}

fn as_integer(This(this): This<Value>) -> Result<i64, ExecutionError> {
    let nanos = quantity_of("asInteger", &this)?.nanos;
    if nanos % 1_000_000_000 != 0 {
        return Err(error("asInteger", "cannot convert value to integer"));
    }
    i64::try_from(nanos / 1_000_000_000).map_err(|_| error("asInteger", "cannot convert value to integer"))
}

fn as_approximate_float(This(this): This<Value>) -> Result<f64, ExecutionError> {
    Ok(quantity_of("asApproximateFloat", &this)?.nanos as f64 / 1e9)
}

fn is_greater_than(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    Ok(quantity_of("isGreaterThan", &this)? > quantity_of("isGreaterThan", &other)?)
}

fn is_less_than(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    Ok(quantity_of("isLessThan", &this)? < quantity_of("isLessThan", &other)?)
}

fn compare_to(This(this): This<Value>, other: Value) -> Result<i64, ExecutionError> {
    let ordering = quantity_of("compareTo", &this)?.cmp(&quantity_of("compareTo", &other)?);
    Ok(ordering as i64)
}

fn add(This(this): This<Value>, other: Value) -> Result<Value, ExecutionError> {
    let (a, b) = (quantity_of("add", &this)?, quantity_of("add", &other)?);
    let nanos = a
        .nanos
        .checked_add(b.nanos)
        .ok_or_else(|| error("add", "overflow"))?;
    Ok(wrap(Quantity { nanos }))
}

fn sub(This(this): This<Value>, other: Value) -> Result<Value, ExecutionError> {
    let (a, b) = (quantity_of("sub", &this)?, quantity_of("sub", &other)?);
    let nanos = a
        .nanos
        .checked_sub(b.nanos)
        .ok_or_else(|| error("sub", "overflow"))?;
    Ok(wrap(Quantity { nanos }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_exactly() {
        let nanos = |text: &str| Quantity::parse(text).map(|quantity| quantity.nanos);
        assert_eq!(nanos("1Gi"), Some(1_073_741_824_000_000_000));
        assert_eq!(nanos("1.5Ki"), Some(1_536_000_000_000));
        assert_eq!(nanos("500m"), Some(500_000_000));
        assert_eq!(nanos("1e3"), Some(1_000_000_000_000));
        assert_eq!(nanos("-2"), Some(-2_000_000_000));
        assert_eq!(nanos("0.1n"), Some(1), "below a nano rounds up");
        assert_eq!(nanos("1Gb"), None);
        assert_eq!(nanos("abc"), None);
    }
}
