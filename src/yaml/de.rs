//! Reading a YAML tree into a typed Kubernetes object as strictly as
//! `kubectl apply --validate=strict`: an unknown field, a wrong type, a missing required field
//! or an invalid quantity is a [`Problem`] at the exact key or value.
//!
//! k8s-openapi's types skip unknown fields (they read them as `IgnoredAny`); this deserializer
//! turns each skip into an "unknown field" problem naming the fields of that object, and keeps
//! going, so every unknown field of a manifest is reported in one run. A type error stops the
//! read (serde cannot resume), and is reported with the problems found before it. Quantities
//! (`newtype Quantity`) are checked as the API server parses them and written in the canonical
//! form it stores, as platc writes every quantity.

use std::cell::RefCell;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::{Node, Value};
use crate::diag::Span;

/// Something wrong with a manifest, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The key or value.
    pub span: Span,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// The kinds of [`Problem`].
#[derive(Debug, Clone, PartialEq)]
pub enum ProblemKind {
    /// A field the object does not have.
    UnknownField {
        /// The field as written.
        field: String,
        /// The object's fields.
        expected: &'static [&'static str],
    },
    /// A value of the wrong type, a missing required field, or a value its type refuses.
    Invalid {
        /// serde's message (`invalid type: string "x", expected i32`).
        message: String,
        /// Whether the value was an unquoted scalar that YAML 1.1 reads as a boolean, number
        /// or null (`yes`, `8080`, `~`): quoting it makes it a string.
        unquoted: bool,
    },
    /// A quantity the API server would not parse.
    Quantity {
        /// The text.
        text: String,
        /// Why not.
        why: String,
    },
}

/// Reads `node` into `T`: the object (`None` when a problem stopped the read; with unknown
/// fields or bad quantities it is read all the same), and every problem found.
pub fn read<T: de::DeserializeOwned>(node: &Node) -> (Option<T>, Vec<Problem>) {
    let problems = RefCell::new(Vec::new());
    let result = T::deserialize(De {
        node,
        problems: &problems,
        fields: &[],
    });
    let mut problems = problems.into_inner();
    let value = match result {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(Problem {
                span: e.span.unwrap_or(node.span),
                kind: ProblemKind::Invalid {
                    message: e.message,
                    unquoted: e.unquoted,
                },
            });
            None
        }
    };
    (value, problems)
}

/// A serde error that remembers the innermost value it was about.
#[derive(Debug)]
pub struct Error {
    message: String,
    span: Option<Span>,
    unquoted: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            message: msg.to_string(),
            span: None,
            unquoted: false,
        }
    }
}

/// The deserializer of one value: the node, the problem list, and the fields of the object
/// the value belongs to (for "unknown field" problems).
#[derive(Clone, Copy)]
struct De<'a> {
    node: &'a Node,
    problems: &'a RefCell<Vec<Problem>>,
    fields: &'static [&'static str],
}

impl<'a> De<'a> {
    /// Pins an error to this value unless a deeper value already claimed it.
    fn here<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        r.map_err(|mut e| {
            if e.span.is_none() {
                e.span = Some(self.node.span);
                e.unquoted = matches!(
                    self.node.value,
                    Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Null
                );
            }
            e
        })
    }

    fn child(&self, node: &'a Node) -> De<'a> {
        De {
            node,
            problems: self.problems,
            fields: &[],
        }
    }
}

impl<'de> Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::String(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(Seq {
                de: self,
                items: items.iter(),
            }),
            Value::Map(entries) => visitor.visit_map(Map {
                de: self,
                entries: entries.iter(),
                value: None,
                fields: &[],
            }),
        };
        self.here(r)
    }

    /// A null is an absent optional field, as in JSON.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        self.here(r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let r = match &self.node.value {
            Value::Map(entries) => visitor.visit_map(Map {
                de: self,
                entries: entries.iter(),
                value: None,
                fields,
            }),
            _ => return self.deserialize_any(visitor),
        };
        self.here(r)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == "Quantity" {
            let text = match &self.node.value {
                Value::String(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::Float(_) => self.node_text(),
                _ => return self.deserialize_any(visitor),
            };
            let canonical = match crate::model::Quantity::parse(&text) {
                Ok(q) => q.canonical(),
                Err(why) => {
                    self.problems.borrow_mut().push(Problem {
                        span: self.node.span,
                        kind: ProblemKind::Quantity {
                            text: text.clone(),
                            why,
                        },
                    });
                    text
                }
            };
            let de: de::value::StringDeserializer<Error> = canonical.into_deserializer();
            return self.here(visitor.visit_newtype_struct(de));
        }
        let r = visitor.visit_newtype_struct(self);
        self.here(r)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::String(s) => {
                let r = visitor.visit_enum(s.as_str().into_deserializer());
                self.here(r)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    /// The type skips this value: it is a field the object does not have.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

impl De<'_> {
    /// The number as written (a float's text), for quantities like `0.5`.
    fn node_text(&self) -> String {
        match self.node.value {
            Value::Float(f) => {
                let s = f.to_string();
                s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
            }
            _ => String::new(),
        }
    }
}

struct Seq<'a, I> {
    de: De<'a>,
    items: I,
}

impl<'de, 'a, I: Iterator<Item = &'a Node>> SeqAccess<'de> for Seq<'a, I> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(node) => seed.deserialize(self.de.child(node)).map(Some),
            None => Ok(None),
        }
    }
}

struct Map<'a, I> {
    de: De<'a>,
    entries: I,
    value: Option<(&'a str, &'a Node)>,
    fields: &'static [&'static str],
}

impl<'de, 'a, I: Iterator<Item = &'a (String, Node)>> MapAccess<'de> for Map<'a, I> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        let de: de::value::StrDeserializer<'_, Error> = key.as_str().into_deserializer();
        seed.deserialize(de).map(Some).map_err(|mut e| {
            e.span = e.span.or(value.key);
            e
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, node)) = self.value.take() else {
            return Err(de::Error::custom("a value without its key"));
        };
        seed.deserialize(Field {
            key,
            de: De {
                node,
                problems: self.de.problems,
                fields: self.fields,
            },
        })
    }
}

/// The value of a mapping entry: a value like any other, except that the type skipping it
/// means its key is a field the object does not have.
struct Field<'a> {
    key: &'a str,
    de: De<'a>,
}

impl<'de> Deserializer<'de> for Field<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.de.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.de.deserialize_option(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.de.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.de.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.de.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.de.node;
        if !self.de.fields.is_empty() {
            let field = self.key.to_string();
            self.de.problems.borrow_mut().push(Problem {
                span: node.key.unwrap_or(node.span),
                kind: ProblemKind::UnknownField {
                    field,
                    expected: self.de.fields,
                },
            });
        }
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;

    use super::*;
    use crate::diag::FileId;

    fn problems(text: &str) -> (Option<Deployment>, Vec<(String, String)>) {
        let docs = super::super::parse(FileId(0), text).unwrap();
        let (d, problems) = read::<Deployment>(&docs[0].root);
        let shown = problems
            .iter()
            .map(|p| {
                let at = text[p.span.range()].to_string();
                let what = match &p.kind {
                    ProblemKind::UnknownField { field, .. } => format!("unknown {field}"),
                    ProblemKind::Invalid { message, unquoted } => format!("{message} {unquoted}"),
                    ProblemKind::Quantity { text, .. } => format!("quantity {text}"),
                };
                (at, what)
            })
            .collect();
        (d, shown)
    }

    const GOOD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: api:1
          resources:
            requests: {cpu: 0.5, memory: 1024Mi}
";

    #[test]
    fn a_valid_manifest_reads_with_canonical_quantities() {
        let (d, p) = problems(GOOD);
        assert!(p.is_empty(), "{p:?}");
        let json = serde_json::to_value(d.unwrap()).unwrap();
        let requests = &json["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"];
        assert_eq!(
            requests,
            &serde_json::json!({"cpu": "500m", "memory": "1Gi"})
        );
    }

    #[test]
    fn every_unknown_field_is_reported_at_its_key() {
        let text = GOOD.replace("  replicas: 2", "  replica: 2").replace(
            "image: api:1",
            "image: api:1\n          imagePullPolice: Always",
        );
        let (_, p) = problems(&text);
        assert_eq!(
            p,
            [
                ("replica".into(), "unknown replica".into()),
                ("imagePullPolice".into(), "unknown imagePullPolice".into()),
            ]
        );
    }

    #[test]
    fn type_errors_and_bad_quantities_are_located() {
        let (_, p) = problems(&GOOD.replace("replicas: 2", "replicas: two"));
        assert_eq!(p[0].0, "two");
        assert!(p[0].1.contains("expected i32"), "{p:?}");
        let (_, p) = problems(&GOOD.replace(
            "labels: {app: api}\n    spec",
            "labels: {app: yes}\n    spec",
        ));
        assert_eq!(p[0].0, "yes");
        assert!(p[0].1.ends_with("true"), "unquoted: {p:?}");
        let (_, p) = problems(&GOOD.replace("memory: 1024Mi", "memory: 2GB"));
        assert_eq!(p, [("2GB".into(), "quantity 2GB".into())]);
        let (_, p) = problems(&GOOD.replace(
            "      containers:\n        - name: api\n",
            "      containers:\n        - nme: api\n",
        ));
        assert_eq!(p, [("nme".into(), "unknown nme".into())]);
    }
}
