//! Decodes a list response while its body arrives, so that the body is never
//! held whole beside the objects decoded from it.
//!
//! A small structural scanner walks the top-level object: it finds each
//! member's value by counting brackets outside strings (jumping through
//! strings with `memchr`), decodes each complete element of `"items"` at
//! once with [`decode_json`], and drops the bytes it has consumed, so the
//! buffer holds at most one partial element and the chunk that completes it.
//! The other members are decoded as [`ObjectList`]'s own `Deserialize` would:
//! `metadata` as `ListMeta`, `"items": null` as empty, anything else checked
//! as JSON and skipped, in any order, with a duplicate `metadata` or `items`
//! an error. The result equals `decode_json::<ObjectList<T>>` of the whole
//! body (property-tested below), except that a body that is a JSON array
//! (which serde would read as the struct's fields in order) is refused.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::{DeserializeOwned, Error as _, IgnoredAny};

use crate::rest::decode_json;

/// Which top-level member a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Items,
    Metadata,
    Other,
}

/// Where the scanner is in the top-level object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the opening `{`.
    BeforeObject,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,`: a key.
    NextKey,
    /// Inside a key string.
    Key,
    /// After a key: `:`.
    Colon(Member),
    /// After `:`: the value.
    BeforeValue(Member),
    /// Inside a member's value (not the elements of `items`).
    Value(Member),
    /// After `"items": [`: an element or `]`.
    FirstItem,
    /// After an element's `,`: an element.
    NextItem,
    /// Inside an element of `items`.
    Item,
    /// After an element: `,` or `]`.
    AfterItem,
    /// After a member's value: `,` or `}`.
    AfterMember,
    /// After the closing `}`: only whitespace may follow.
    Done,
}

/// How far a value whose end is not yet known has been scanned. Positions
/// are in the decoder's buffer.
#[derive(Clone, Copy, Debug, Default)]
struct ValueScan {
    start: usize,
    /// The next byte to look at.
    next: usize,
    depth: u32,
    in_string: bool,
    /// The last byte seen was a backslash inside a string.
    escaped: bool,
}

/// Decodes a list response fed chunk by chunk (see the module docs).
///
/// Items are decoded one at a time as [`ListDecoder::next_item`] asks for
/// them; [`ListDecoder::finish`] checks that the body ended where the list
/// did and gives the list's metadata.
#[derive(Debug)]
pub(crate) struct ListDecoder<T> {
    /// Bytes received and not yet consumed.
    buffer: Vec<u8>,
    /// How many bytes of the body came before `buffer[0]` (for positions in errors).
    dropped: usize,
    /// The next byte of `buffer` to look at, outside a value.
    cursor: usize,
    state: State,
    scan: ValueScan,
    metadata: Option<ListMeta>,
    items_seen: bool,
    /// How many elements of `items` were decoded.
    item_count: usize,
    /// Where [`ListDecoder::next_item`] has its item decoded (kept for its
    /// allocation).
    slot: Vec<T>,
}

impl<T: DeserializeOwned> Default for ListDecoder<T> {
    fn default() -> Self {
        ListDecoder::new()
    }
}

impl<T: DeserializeOwned> ListDecoder<T> {
    /// A decoder at the start of a body.
    pub(crate) fn new() -> Self {
        ListDecoder {
            buffer: Vec::new(),
            dropped: 0,
            cursor: 0,
            state: State::BeforeObject,
            scan: ValueScan::default(),
            metadata: None,
            items_seen: false,
            item_count: 0,
            slot: Vec::new(),
        }
    }

    /// Takes `chunk`, the next bytes of the body, first dropping the bytes
    /// already consumed. Nothing is decoded until asked for
    /// ([`ListDecoder::next_item`]), so a reader that takes items one at a
    /// time holds one decoded item beside the bytes received.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.drop_consumed();
        self.buffer.extend_from_slice(chunk);
    }

    /// The next item, if the bytes received complete one; `Ok(None)` when
    /// more of the body is needed (or, after [`ListDecoder::finish`], when
    /// every item was taken).
    pub(crate) fn next_item(&mut self) -> serde_json::Result<Option<T>> {
        let mut slot = std::mem::take(&mut self.slot);
        let decoded = self.advance(false, Some(1), &mut slot);
        let item = slot.pop();
        self.slot = slot;
        decoded.map(|()| item)
    }

    /// Decodes every item the bytes received complete into `items`: each
    /// moves once, from the decoder into the caller's list.
    pub(crate) fn decode_available(&mut self, items: &mut Vec<T>) -> serde_json::Result<()> {
        self.advance(false, None, items)
    }

    /// Ends the body: the list must be complete with nothing but whitespace
    /// after it. Gives the metadata (default when the body had none). Every
    /// item must have been taken first: one completed only by the end of the
    /// body (a number cut short) leaves the list unfinished, an error.
    pub(crate) fn finish(&mut self) -> serde_json::Result<ListMeta> {
        self.advance(true, None, &mut Vec::new())?;
        if self.state != State::Done {
            return Err(self.error_here(&format!(
                "the body ended inside the list ({})",
                expected(self.state)
            )));
        }
        Ok(self.metadata.take().unwrap_or_default())
    }

    /// Consumes what the buffer holds, decoding items into `items`, up to
    /// `limit` of them; `at_end` when no more bytes will come.
    fn advance(&mut self, at_end: bool, limit: Option<usize>, items: &mut Vec<T>) -> serde_json::Result<()> {
        let mut decoded = 0;
        loop {
            if limit == Some(decoded) {
                return Ok(());
            }
            let in_value = matches!(self.state, State::Key | State::Value(_) | State::Item);
            if in_value {
                let Some(end) = self.value_end(at_end) else {
                    return Ok(());
                };
                if self.state == State::Item {
                    items.push(self.decode_item(end)?);
                    decoded += 1;
                } else {
                    self.member_complete(end)?;
                }
                continue;
            }
            let Some(byte) = self.next_token() else {
                return Ok(());
            };
            self.token(byte)?;
        }
    }

    /// The next byte that is not whitespace, if the buffer holds one.
    fn next_token(&mut self) -> Option<u8> {
        let rest = &self.buffer[self.cursor..];
        let offset = rest.iter().position(|byte| !is_whitespace(*byte));
        match offset {
            Some(offset) => {
                self.cursor += offset;
                Some(self.buffer[self.cursor])
            }
            None => {
                self.cursor = self.buffer.len();
                None
            }
        }
    }

    /// Acts on the structural byte at the cursor.
    fn token(&mut self, byte: u8) -> serde_json::Result<()> {
        self.state = match (self.state, byte) {
            (State::BeforeObject, b'{') => self.step(State::FirstKey),
            (State::BeforeObject, _) => return Err(self.error_here("the body is not a JSON object")),
            (State::FirstKey, b'}') | (State::AfterMember, b'}') => self.step(State::Done),
            (State::FirstKey | State::NextKey, b'"') => self.start_value(State::Key),
            (State::Colon(member), b':') => self.step(State::BeforeValue(member)),
            (State::BeforeValue(Member::Items), b'[') => {
                self.items_seen = true;
                self.step(State::FirstItem)
            }
            (State::BeforeValue(member), _) => self.start_value(State::Value(member)),
            (State::FirstItem, b']') | (State::AfterItem, b']') => self.step(State::AfterMember),
            (State::FirstItem | State::NextItem, _) => self.start_value(State::Item),
            (State::AfterItem, b',') => self.step(State::NextItem),
            (State::AfterMember, b',') => self.step(State::NextKey),
            (State::Done, _) => {
                return Err(self.error_here("trailing characters after the list"));
            }
            (state, _) => return Err(self.error_here(expected(state))),
        };
        Ok(())
    }

    /// Moves past the byte at the cursor into `state`.
    fn step(&mut self, state: State) -> State {
        self.cursor += 1;
        state
    }

    /// Starts scanning the value (or key) that begins at the cursor.
    fn start_value(&mut self, state: State) -> State {
        self.scan = ValueScan {
            start: self.cursor,
            next: self.cursor,
            ..ValueScan::default()
        };
        state
    }

    /// Where the value being scanned ends (exclusive), once the buffer holds all of it.
    fn value_end(&mut self, at_end: bool) -> Option<usize> {
        let first = self.buffer[self.scan.start];
        if matches!(first, b'{' | b'[' | b'"') {
            return scan_nested(&self.buffer, &mut self.scan);
        }
        // A number, `true`, `false` or `null`: it ends at the first delimiter.
        let rest = &self.buffer[self.scan.next..];
        match rest.iter().position(|byte| is_delimiter(*byte)) {
            Some(offset) => Some(self.scan.next + offset),
            None if at_end => Some(self.buffer.len()),
            None => {
                self.scan.next = self.buffer.len();
                None
            }
        }
    }

    /// Decodes the element of `items` that ends at `end` and moves on.
    fn decode_item(&mut self, end: usize) -> serde_json::Result<T> {
        let item = decode_json(&self.buffer[self.scan.start..end]).map_err(|error| {
            let what = format!("item {}", self.item_count);
            self.error_at_scan(&what, error)
        })?;
        self.item_count += 1;
        self.state = State::AfterItem;
        self.cursor = end;
        Ok(item)
    }

    /// Decodes the key or member value that ends at `end` and moves on.
    fn member_complete(&mut self, end: usize) -> serde_json::Result<()> {
        let bytes = &self.buffer[self.scan.start..end];
        self.state = match self.state {
            State::Key => {
                let key: String = decode_json(bytes).map_err(|error| self.error_at_scan("a key", error))?;
                State::Colon(self.member(&key)?)
            }
            State::Value(Member::Metadata) => {
                let metadata =
                    decode_json(bytes).map_err(|error| self.error_at_scan("the list's metadata", error))?;
                self.metadata = Some(metadata);
                State::AfterMember
            }
            State::Value(Member::Items) => {
                // Not an array (that starts at `[`): only `null`, read as no
                // items, decodes; anything else fails as it does for serde.
                decode_json::<Option<Vec<IgnoredAny>>>(bytes)
                    .map_err(|error| self.error_at_scan("`items`", error))?;
                self.items_seen = true;
                State::AfterMember
            }
            State::Value(Member::Other) => {
                decode_json::<IgnoredAny>(bytes).map_err(|error| self.error_at_scan("a member", error))?;
                State::AfterMember
            }
            state => state,
        };
        self.cursor = end;
        Ok(())
    }

    /// The member a key names; a second `items` or `metadata` is an error, as
    /// it is for serde.
    fn member(&self, key: &str) -> serde_json::Result<Member> {
        let (member, seen) = match key {
            "items" => (Member::Items, self.items_seen),
            "metadata" => (Member::Metadata, self.metadata.is_some()),
            _ => (Member::Other, false),
        };
        if seen {
            return Err(self.error_at_scan_text(&format!("duplicate field `{key}`")));
        }
        Ok(member)
    }

    /// Drops the bytes before the cursor, or before the value being scanned.
    fn drop_consumed(&mut self) {
        let keep_from = match self.state {
            State::Key | State::Value(_) | State::Item => self.scan.start,
            _ => self.cursor,
        };
        if keep_from == 0 {
            return;
        }
        self.buffer.drain(..keep_from);
        self.dropped += keep_from;
        self.cursor -= keep_from.min(self.cursor);
        self.scan.start -= keep_from.min(self.scan.start);
        self.scan.next -= keep_from.min(self.scan.next);
    }

    fn error_here(&self, what: &str) -> serde_json::Error {
        serde_json::Error::custom(format!("{what} at byte {}", self.dropped + self.cursor))
    }

    fn error_at_scan_text(&self, what: &str) -> serde_json::Error {
        serde_json::Error::custom(format!("{what} at byte {}", self.dropped + self.scan.start))
    }

    fn error_at_scan(&self, what: &str, error: serde_json::Error) -> serde_json::Error {
        let at = self.dropped + self.scan.start;
        serde_json::Error::custom(format!("{what} (at byte {at} of the body): {error}"))
    }
}

/// Scans a string, object or array from `scan.next`; its end (exclusive)
/// once found. Inside strings, `memchr` jumps to the next quote or backslash.
fn scan_nested(buffer: &[u8], scan: &mut ValueScan) -> Option<usize> {
    let mut index = scan.next;
    if scan.escaped && index < buffer.len() {
        scan.escaped = false;
        index += 1;
    }
    while index < buffer.len() {
        if scan.in_string {
            let Some(offset) = memchr::memchr2(b'"', b'\\', &buffer[index..]) else {
                index = buffer.len();
                break;
            };
            let found = index + offset;
            if buffer[found] == b'\\' {
                if found + 1 == buffer.len() {
                    scan.escaped = true;
                    index = buffer.len();
                    break;
                }
                index = found + 2;
                continue;
            }
            scan.in_string = false;
            index = found + 1;
            if scan.depth == 0 {
                return Some(index);
            }
            continue;
        }
        match buffer[index] {
            b'"' => scan.in_string = true,
            b'{' | b'[' => scan.depth += 1,
            b'}' | b']' => {
                scan.depth = scan.depth.saturating_sub(1);
                if scan.depth == 0 {
                    return Some(index + 1);
                }
            }
            _ => {}
        }
        index += 1;
    }
    scan.next = index;
    None
}

/// JSON's whitespace (RFC 8259).
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// What ends a number or literal.
fn is_delimiter(byte: u8) -> bool {
    is_whitespace(byte) || matches!(byte, b',' | b']' | b'}')
}

/// What the scanner expected in `state`, for errors.
fn expected(state: State) -> &'static str {
    match state {
        State::BeforeObject => "expected the list's opening `{`",
        State::FirstKey => "expected a key or `}`",
        State::NextKey => "expected a key",
        State::Key => "expected the end of a key",
        State::Colon(_) => "expected `:`",
        State::BeforeValue(_) | State::Value(_) => "expected a value",
        State::FirstItem => "expected an item or `]`",
        State::NextItem | State::Item => "expected an item",
        State::AfterItem => "expected `,` or `]` after an item",
        State::AfterMember => "expected `,` or `}` after a member",
        State::Done => "expected nothing more",
    }
}

#[cfg(test)]
#[path = "list_decoder_tests.rs"]
mod tests;
