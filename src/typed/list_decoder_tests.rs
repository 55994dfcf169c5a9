use k8s_openapi::api::core::v1::ConfigMap;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::types::ObjectList;

/// `body` fed in chunks of `chunk` bytes (the last one shorter).
fn decode_in_chunks<T: DeserializeOwned>(body: &[u8], chunk: usize) -> serde_json::Result<ObjectList<T>> {
    decode_split(body, &chunk_ends(body.len(), chunk))
}

fn chunk_ends(len: usize, chunk: usize) -> Vec<usize> {
    (1..=len.div_ceil(chunk)).map(|n| (n * chunk).min(len)).collect()
}

/// `body` fed in the chunks that end at `ends` (ascending), then the rest.
fn decode_split<T: DeserializeOwned>(body: &[u8], ends: &[usize]) -> serde_json::Result<ObjectList<T>> {
    let mut decoder = ListDecoder::new();
    let mut items = Vec::new();
    let mut start = 0;
    for &end in ends.iter().chain(std::iter::once(&body.len())) {
        let end = end.clamp(start, body.len());
        decoder.push(&body[start..end]);
        // Both ways of taking items, in turn.
        if start % 2 == 0 {
            decoder.decode_available(&mut items)?;
        } else {
            while let Some(item) = decoder.next_item()? {
                items.push(item);
            }
        }
        start = end;
    }
    let metadata = decoder.finish()?;
    Ok(ObjectList { metadata, items })
}

fn names(list: &ObjectList<ConfigMap>) -> Vec<&str> {
    list.items
        .iter()
        .map(|item| item.metadata.name.as_deref().unwrap_or(""))
        .collect()
}

fn error_of(body: &str) -> String {
    decode_in_chunks::<ConfigMap>(body.as_bytes(), 3)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_list_split_at_every_byte_decodes_as_the_whole() {
    let body = br#" { "kind" : "ConfigMapList", "apiVersion":"v1",
        "metadata":{"resourceVersion":"7","continue":"c1","remainingItemCount":3},
        "items":[ {"metadata":{"name":"a \"quoted\" {name}"}} , {"metadata":{"name":"b\\"},"data":{"k":"[\u005d"}} ] }
    "#;
    let whole: ObjectList<ConfigMap> = decode_json(body).unwrap();
    for chunk in 1..body.len() {
        assert_eq!(
            decode_in_chunks::<ConfigMap>(body, chunk).unwrap(),
            whole,
            "chunks of {chunk}"
        );
    }
    assert_eq!(names(&whole), ["a \"quoted\" {name}", "b\\"]);
    assert_eq!(whole.continue_token(), Some("c1"));
}

#[test]
fn metadata_after_the_items_is_read() {
    let body = br#"{"items":[{"metadata":{"name":"a"}}],"metadata":{"resourceVersion":"9"}}"#;
    let list = decode_in_chunks::<ConfigMap>(body, 5).unwrap();
    assert_eq!(names(&list), ["a"]);
    assert_eq!(list.resource_version(), Some("9"));
}

#[test]
fn null_or_absent_items_are_an_empty_list() {
    for body in [
        r#"{"metadata":{"resourceVersion":"1"},"items":null}"#,
        r#"{"metadata":{"resourceVersion":"1"}}"#,
        r#"{"items":[],"metadata":{"resourceVersion":"1"}}"#,
    ] {
        let list = decode_in_chunks::<ConfigMap>(body.as_bytes(), 4).unwrap();
        assert!(list.items.is_empty(), "{body}");
        assert_eq!(list.resource_version(), Some("1"), "{body}");
    }
}

#[test]
fn an_empty_object_is_an_empty_list_with_default_metadata() {
    let list = decode_in_chunks::<ConfigMap>(b"{}", 1).unwrap();
    assert_eq!(list, ObjectList::default());
}

#[test]
fn unknown_members_of_any_shape_are_skipped() {
    let body =
        r#"{"extra":{"a":[1,{"b":"}"}]},"n":-1.5e3,"t":true,"s":"x\"y","items":[{"metadata":{"name":"a"}}]}"#;
    assert_eq!(names(&decode_in_chunks(body.as_bytes(), 2).unwrap()), ["a"]);
}

#[test]
fn items_are_handed_out_as_soon_as_they_are_complete() {
    let name = |item: Option<ConfigMap>| item.and_then(|item| item.metadata.name);
    let mut decoder = ListDecoder::<ConfigMap>::new();
    decoder.push(br#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}},{"metadata":"#);
    assert_eq!(name(decoder.next_item().unwrap()).as_deref(), Some("a"));
    // One item is decoded at a time, as asked for: "b" is still bytes.
    assert_eq!(decoder.item_count, 1);
    assert_eq!(name(decoder.next_item().unwrap()).as_deref(), Some("b"));
    assert!(decoder.next_item().unwrap().is_none());
    decoder.push(br#"{"name":"c"}}]}"#);
    // Only the unfinished item was kept.
    assert_eq!(decoder.buffer, br#"{"metadata":{"name":"c"}}]}"#);
    assert_eq!(name(decoder.next_item().unwrap()).as_deref(), Some("c"));
    decoder.finish().unwrap();
}

#[test]
fn a_body_that_is_not_an_object_is_an_error() {
    assert_eq!(error_of("[]"), "the body is not a JSON object at byte 0");
    assert_eq!(error_of("  null"), "the body is not a JSON object at byte 2");
    assert_eq!(
        error_of(""),
        "the body ended inside the list (expected the list's opening `{`) at byte 0"
    );
}

#[test]
fn a_truncated_body_is_an_error() {
    assert_eq!(
        error_of(r#"{"items":[{"metadata":{"name":"a"}},{"meta"#),
        "the body ended inside the list (expected an item) at byte 36"
    );
    assert_eq!(
        error_of(r#"{"items":[]"#),
        "the body ended inside the list (expected `,` or `}` after a member) at byte 11"
    );
    assert_eq!(
        error_of(r#"{"kind":12"#),
        "the body ended inside the list (expected `,` or `}` after a member) at byte 10"
    );
}

#[test]
fn trailing_characters_are_an_error() {
    assert_eq!(
        error_of("{} \n x"),
        "trailing characters after the list at byte 5"
    );
    assert_eq!(error_of("{}{}"), "trailing characters after the list at byte 2");
}

#[test]
fn malformed_json_is_an_error_that_says_where() {
    assert_eq!(error_of(r#"{"items" []}"#), "expected `:` at byte 9");
    assert_eq!(
        error_of(r#"{"items":[{},]}"#),
        "item 1 (at byte 13 of the body): EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(
        error_of(r#"{"items":[] "kind":"x"}"#),
        "expected `,` or `}` after a member at byte 12"
    );
    assert_eq!(
        error_of(r#"{"kind":tru}"#),
        "a member (at byte 8 of the body): EOF while parsing a value at line 1 column 3"
    );
    assert_eq!(error_of(r#"{,}"#), "expected a key or `}` at byte 1");
}

#[test]
fn an_item_that_does_not_decode_names_its_index() {
    let body = r#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":7}}]}"#;
    assert_eq!(
        error_of(body),
        "item 1 (at byte 36 of the body): invalid type: integer `7`, expected a string at line 1 column 21"
    );
    assert_eq!(
        error_of(r#"{"items":{"a":1}}"#),
        "`items` (at byte 9 of the body): invalid type: map, expected a sequence at line 1 column 0"
    );
}

#[test]
fn a_second_items_or_metadata_is_an_error_as_for_serde() {
    assert_eq!(
        error_of(r#"{"items":[],"items":[]}"#),
        "duplicate field `items` at byte 12"
    );
    assert_eq!(
        error_of(r#"{"metadata":{},"metadata":{}}"#),
        "duplicate field `metadata` at byte 15"
    );
    let same_key: serde_json::Result<ObjectList<ConfigMap>> = decode_json(br#"{"items":[],"items":[]}"#);
    assert!(same_key.is_err());
}

#[test]
fn escaped_keys_name_the_members_they_spell() {
    let body = r#"{"it\u0065ms":[{"metadata":{"name":"a"}}]}"#;
    assert_eq!(names(&decode_in_chunks(body.as_bytes(), 1).unwrap()), ["a"]);
}

/// JSON values with the characters a scanner can trip on in their strings.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1.0e6f64..1.0e6).prop_map(|n| json!(n)),
        "[a-z\"\\\\{}\\[\\],: \u{1}é☃]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"\\\\{]{0,4}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A list body: members in any order, some left out, an unknown one.
fn list_body() -> impl Strategy<Value = Value> {
    let metadata = (
        proptest::option::of("[0-9]{1,4}"),
        proptest::option::of("[a-z\"]{0,6}"),
        proptest::option::of(0i64..1000),
    )
        .prop_map(|(version, token, remaining)| {
            json!({"resourceVersion": version, "continue": token, "remainingItemCount": remaining})
        });
    let items = prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => prop::collection::vec(json_value(), 0..6).prop_map(|items| Some(Value::Array(items))),
    ];
    (
        proptest::option::of(metadata),
        items,
        proptest::option::of(json_value()),
        Just(()).prop_perturb(|_, mut rng| {
            let mut order = vec![0usize, 1, 2, 3, 4];
            order.sort_by_key(|_| rng.next_u32());
            order
        }),
    )
        .prop_map(|(metadata, items, extra, order)| {
            let mut members = Vec::new();
            for member in order {
                match member {
                    0 => members.push(("apiVersion".to_owned(), json!("v1"))),
                    1 => members.push(("kind".to_owned(), json!("ConfigMapList"))),
                    2 => members.extend(metadata.clone().map(|m| ("metadata".to_owned(), m))),
                    3 => members.extend(items.clone().map(|i| ("items".to_owned(), i))),
                    _ => members.extend(extra.clone().map(|e| ("extra".to_owned(), e))),
                }
            }
            Value::Array(
                members
                    .into_iter()
                    .map(|(key, value)| json!([key, value]))
                    .collect(),
            )
        })
}

/// Writes `value` as JSON with whitespace from `spaces` between every token.
fn write_spaced(value: &Value, out: &mut String, spaces: &mut impl Iterator<Item = &'static str>) {
    fn space(out: &mut String, spaces: &mut impl Iterator<Item = &'static str>) {
        out.push_str(spaces.next().unwrap_or(""));
    }
    match value {
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                space(out, spaces);
                write_spaced(element, out, spaces);
                space(out, spaces);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, (key, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                space(out, spaces);
                out.push_str(&Value::String(key.clone()).to_string());
                space(out, spaces);
                out.push(':');
                space(out, spaces);
                write_spaced(member, out, spaces);
                space(out, spaces);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The top-level object of `members` (pairs, in order), spaced.
fn body_text(members: &Value, space_seed: u64) -> String {
    const SPACES: [&str; 6] = ["", "", " ", "\n", "\t\r\n ", "  "];
    let mut state = space_seed | 1;
    let mut spaces = std::iter::from_fn(move || {
        // xorshift: a cheap, seeded choice of whitespace.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Some(SPACES[(state % SPACES.len() as u64) as usize])
    });
    let mut out = String::new();
    out.push_str(spaces.next().unwrap_or(""));
    out.push('{');
    let Value::Array(pairs) = members else {
        return out;
    };
    for (index, pair) in pairs.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(spaces.next().unwrap_or(""));
        out.push_str(&pair[0].to_string());
        out.push_str(spaces.next().unwrap_or(""));
        out.push(':');
        out.push_str(spaces.next().unwrap_or(""));
        write_spaced(&pair[1], &mut out, &mut spaces);
        out.push_str(spaces.next().unwrap_or(""));
    }
    out.push('}');
    out.push_str(spaces.next().unwrap_or(""));
    out
}

/// One change to a body: a byte deleted, replaced or inserted, or the body cut.
#[derive(Clone, Debug)]
enum Corruption {
    Delete(usize),
    Replace(usize, u8),
    Insert(usize, u8),
    Truncate(usize),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    let byte = prop::sample::select(b"{}[]\",:\\ xn0-".to_vec());
    prop_oneof![
        any::<usize>().prop_map(Corruption::Delete),
        (any::<usize>(), byte.clone()).prop_map(|(at, byte)| Corruption::Replace(at, byte)),
        (any::<usize>(), byte).prop_map(|(at, byte)| Corruption::Insert(at, byte)),
        any::<usize>().prop_map(Corruption::Truncate),
    ]
}

fn corrupt(body: &mut Vec<u8>, corruption: &Corruption) {
    let len = body.len().max(1);
    match *corruption {
        Corruption::Delete(at) if !body.is_empty() => {
            body.remove(at % len);
        }
        Corruption::Replace(at, byte) if !body.is_empty() => body[at % len] = byte,
        Corruption::Insert(at, byte) => body.insert(at % (body.len() + 1), byte),
        Corruption::Truncate(at) => body.truncate(at % len),
        _ => {}
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(128);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_split_of_any_list_decodes_as_the_whole_body(
        members in list_body(),
        space_seed in any::<u64>(),
        splits in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let body = body_text(&members, space_seed);
        let mut ends: Vec<usize> = splits.iter().map(|at| at % (body.len() + 1)).collect();
        ends.sort_unstable();
        let whole: ObjectList<Value> = decode_json(body.as_bytes()).unwrap();
        prop_assert_eq!(decode_split::<Value>(body.as_bytes(), &ends).unwrap(), whole);
    }

    #[test]
    fn a_corrupted_list_fails_where_the_whole_body_fails(
        members in list_body(),
        space_seed in any::<u64>(),
        corruptions in prop::collection::vec(corruption(), 1..3),
        chunk in 1usize..64,
    ) {
        let mut body = body_text(&members, space_seed).into_bytes();
        for corruption in &corruptions {
            corrupt(&mut body, corruption);
        }
        let whole = decode_json::<ObjectList<Value>>(&body);
        let incremental = decode_in_chunks::<Value>(&body, chunk);
        match (whole, incremental) {
            (Ok(whole), Ok(incremental)) => prop_assert_eq!(whole, incremental),
            (Err(_), Err(_)) => {}
            (whole, incremental) => prop_assert!(
                false,
                "whole: {:?}, incremental: {:?}, body: {}",
                whole.map(|_| ()),
                incremental.map(|_| ()),
                String::from_utf8_lossy(&body)
            ),
        }
    }
}
