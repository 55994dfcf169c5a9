//! A request's query string as a map that keeps repeated keys.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Query parameters by name. A key given once is written as a scalar
/// (`limit: '500'`), a repeated key as a list that keeps the order
/// (`fieldSelector: [a, b]`). Values are always strings; a hand-written
/// `limit: 500` reads as `"500"`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(pub BTreeMap<String, Vec<String>>);

impl Query {
    /// Decodes a raw (percent-encoded) query string.
    pub fn parse(raw: &str) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            map.entry(key.into_owned()).or_default().push(value.into_owned());
        }
        Query(map)
    }

    /// The query string to send: keys sorted, values percent-encoded.
    pub fn to_query_string(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, values) in &self.0 {
            for value in values {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first value of `key`.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .and_then(|values| values.first())
            .map(String::as_str)
    }
}

impl Serialize for Query {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, values) in &self.0 {
            match values.as_slice() {
                [one] => map.serialize_entry(key, one)?,
                many => map.serialize_entry(key, many)?,
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Query {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(QueryVisitor)
    }
}

struct QueryVisitor;

impl<'de> Visitor<'de> for QueryVisitor {
    type Value = Query;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a map of query parameters (name: value or name: [values])")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Query, A::Error> {
        let mut map = BTreeMap::new();
        while let Some((key, values)) = access.next_entry::<String, Values>()? {
            map.insert(key, values.0);
        }
        Ok(Query(map))
    }
}

/// One parameter's values: a scalar or a list of scalars.
struct Values(Vec<String>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValuesVisitor)
    }
}

struct ValuesVisitor;

impl<'de> Visitor<'de> for ValuesVisitor {
    type Value = Values;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a query value (a scalar) or a list of them")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Values, E> {
        Ok(Values(vec![value.to_owned()]))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Values, E> {
        Ok(Values(vec![value.to_string()]))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Values, E> {
        Ok(Values(vec![value.to_string()]))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Values, E> {
        Ok(Values(vec![value.to_string()]))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Values, E> {
        Ok(Values(vec![value.to_string()]))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Values, E> {
        Ok(Values(vec![String::new()]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Values, A::Error> {
        let mut values = Vec::new();
        while let Some(Values(mut one)) = access.next_element::<Values>()? {
            values.append(&mut one);
        }
        Ok(Values(values))
    }
}
