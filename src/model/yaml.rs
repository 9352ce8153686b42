//! Our YAML loader: serde-saphyr parses, we keep a small spanned tree.
//!
//! Models are read into a generic tree first (not straight into typed structs) so that
//! validation can report *every* problem in a file in one pass, each at its own
//! line and column. Numbers keep the exact text the analyst wrote: a YAML `0.1`
//! is sliced back out of the source rather than taken from the parser's `f64`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostic::Span;

/// One YAML node with the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A plain YAML number, as written in the file.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What a reader would call this kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "true/false",
            Value::Number(_) => "a number",
            Value::String(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A YAML syntax error, located.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub span: Option<Span>,
}

/// Parse `text` into a spanned tree. Aliases, duplicate keys and size are policed by
/// serde-saphyr's defaults (duplicate keys are errors; alias expansion is budgeted).
/// Only `true` and `false` are booleans: a param called `n` or `yes` stays a word.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! { with_snippet: false, strict_booleans: true };
    let raw: RawNode = serde_saphyr::from_str_with_options(text, options).map_err(|err| {
        use serde_saphyr::MessageFormatter;
        let message = serde_saphyr::UserMessageFormatter
            .format_message(&err)
            .into_owned();
        let span = err.location().and_then(|loc| span_of(&loc, text));
        SyntaxError { message, span }
    })?;
    Ok(raw.finish(text))
}

fn span_of(loc: &serde_saphyr::Location, text: &str) -> Option<Span> {
    if loc.line() == 0 {
        return None;
    }
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(offset), Some(len)) => {
            let offset = usize::try_from(offset).ok()?;
            let len = usize::try_from(len).ok()?;
            Some(Span::new(offset.min(text.len()), len))
        }
        _ => Some(Span::new(
            crate::diagnostic::offset_of(text, loc.line(), loc.column()),
            0,
        )),
    }
}

/// The tree as serde hands it over: spans still as saphyr locations, numbers not yet
/// re-read from the source.
struct RawNode(Spanned<RawValue>);

enum RawValue {
    Null,
    Bool(bool),
    Number,
    String(String),
    Seq(Vec<RawNode>),
    Map(Vec<(RawNode, RawNode)>),
}

impl RawNode {
    fn finish(self, text: &str) -> Node {
        // An alias (`*q`) or a merged entry (`<<: *base`) is located where it is used, so
        // an error points at the use; its number is read where it was defined.
        let span = span_of(&self.0.referenced, text).unwrap_or(Span::new(0, 0));
        let value = match self.0.value {
            RawValue::Null => Value::Null,
            RawValue::Bool(b) => Value::Bool(b),
            RawValue::Number => {
                let defined = span_of(&self.0.defined, text).unwrap_or(span);
                let written = text.get(defined.offset..defined.end()).unwrap_or_default();
                Value::Number(without_properties(written).to_owned())
            }
            RawValue::String(s) => Value::String(s),
            RawValue::Seq(items) => Value::Seq(items.into_iter().map(|n| n.finish(text)).collect()),
            RawValue::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.finish(text), v.finish(text)))
                    .collect(),
            ),
        };
        Node { value, span }
    }
}

/// The scalar of `&anchor !!tag 12.5`: YAML node properties come before the value.
fn without_properties(written: &str) -> &str {
    let mut rest = written.trim();
    while rest.starts_with(['&', '!']) {
        rest = rest
            .split_once(char::is_whitespace)
            .map_or("", |(_, after)| after.trim_start());
    }
    rest
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawValue>::deserialize(d).map(RawNode)
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawValue, E> {
        Ok(RawValue::Number)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawValue, E> {
        Ok(RawValue::Number)
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<RawValue, E> {
        Ok(RawValue::Number)
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<RawValue, E> {
        Ok(RawValue::Number)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawValue, E> {
        Ok(RawValue::Number)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawNode>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<RawNode>()? {
            let value = map.next_value::<RawNode>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_written_text() {
        let node = parse("a: 0.1\nb: [1, 2.50, -3]\nc: '0.1'\nd: 1e3\n").unwrap();
        let Value::Map(entries) = node.value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].1.value, Value::Number("0.1".into()));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!("not a seq")
        };
        let texts: Vec<_> = items.iter().map(|n| n.value.clone()).collect();
        assert_eq!(
            texts,
            vec![
                Value::Number("1".into()),
                Value::Number("2.50".into()),
                Value::Number("-3".into())
            ]
        );
        assert_eq!(entries[2].1.value, Value::String("0.1".into()));
        assert_eq!(entries[3].1.value, Value::Number("1e3".into()));
    }

    #[test]
    fn spans_point_at_the_value() {
        let text = "a: 1\nbb:\n  - x: hello\n";
        let node = parse(text).unwrap();
        let Value::Map(entries) = node.value else {
            panic!()
        };
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        let Value::Map(inner) = &items[0].value else {
            panic!()
        };
        let hello = &inner[0].1;
        assert_eq!(&text[hello.span.offset..hello.span.end()], "hello");
        assert_eq!(&text[inner[0].0.span.offset..inner[0].0.span.end()], "x");
    }

    fn entries(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            _ => panic!("not a map: {node:?}"),
        }
    }

    #[test]
    fn aliases_and_merge_keys_read_numbers_as_if_written_out() {
        let text = "a: &q 12.50\nb: *q\nbase: &base\n  x: 0.1\n  y: &y !!float 3\nc:\n  <<: *base\n  y: 4\nd: *y\n";
        let node = parse(text).unwrap();
        let top = entries(&node);
        assert_eq!(top[0].1.value, Value::Number("12.50".into()));
        assert_eq!(top[1].1.value, Value::Number("12.50".into()));
        // The alias is located at its use, so an error about it points there.
        assert_eq!(&text[top[1].1.span.offset..top[1].1.span.end()], "*q");
        let merged = entries(&top[3].1);
        let x = merged
            .iter()
            .find(|(k, _)| k.as_str() == Some("x"))
            .unwrap();
        assert_eq!(x.1.value, Value::Number("0.1".into()));
        let y = merged
            .iter()
            .find(|(k, _)| k.as_str() == Some("y"))
            .unwrap();
        assert_eq!(y.1.value, Value::Number("4".into()));
        assert_eq!(top[4].1.value, Value::Number("3".into()));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert!(err.span.is_some());
    }
}
