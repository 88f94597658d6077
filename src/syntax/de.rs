//! The typed config is deserialised straight from the spanned tree, so no second copy of a
//! large document (its JSON form) has to stay alive next to it: at 10,000 tenants that copy
//! was ~450 MiB. Values read exactly as they would from [`Node::to_json`]: a datetime is a
//! `{"$datetime": "..."}` table and an integer outside i64 a float, so no type slips past the
//! schema through one path and not the other.

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{Deserializer, Error as _, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;

use super::{Node, NodeValue};

impl<'de> IntoDeserializer<'de, Error> for &'de Node {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for &'de Node {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.value {
            NodeValue::String(s) => visitor.visit_borrowed_str(s),
            NodeValue::Integer(Some(n)) => visitor.visit_i64(*n),
            NodeValue::Integer(None) => visitor.visit_f64(f64::MAX),
            NodeValue::Float(Some(f)) => visitor.visit_f64(*f),
            NodeValue::Float(None) => visitor.visit_unit(),
            NodeValue::Boolean(b) => visitor.visit_bool(*b),
            NodeValue::Datetime(d) => {
                let mut map = MapDeserializer::new(std::iter::once(("$datetime", d.as_str())));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
            NodeValue::Array(items) => {
                let mut seq = SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            NodeValue::Table(entries) => {
                let mut map = MapDeserializer::new(entries.iter().map(|(k, v)| (k.as_str(), v)));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    /// A key that is present is `Some`: TOML has no null.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// Unit variants are written as strings (`kind = "cidr"`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.value {
            NodeValue::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => self.deserialize_any(visitor),
        }
    }

    /// A struct is a table. Serde's derived structs would also take an array, its fields by
    /// position (`argocd = ["x"]`); the schema does not, and neither does this.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.value {
            NodeValue::Array(_) => Err(Error::invalid_type(Unexpected::Seq, &visitor)),
            _ => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::diag::FileId;
    use crate::syntax::config::Config;
    use crate::syntax::parse_file;

    /// Every config of the repository reads the same from the tree as from its JSON form.
    #[test]
    fn reads_like_the_json_form() {
        for (path, text) in crate::syntax::repository_configs() {
            let node = crate::syntax::expanded(&path, &text).unwrap();
            let from_tree = Config::deserialize(&node).unwrap();
            let from_json = Config::deserialize(&node.to_json()).unwrap();
            assert_eq!(
                format!("{from_tree:?}"),
                format!("{from_json:?}"),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn odd_values_read_as_their_json_form() {
        let text = "a = 1979-05-27T07:32:00Z\nb = 99999999999999999999\nc = nan\nd = [1, \"x\"]\n";
        let node = parse_file(FileId(0), text).unwrap();
        let value = serde_json::Value::deserialize(&node).unwrap();
        assert_eq!(value, node.to_json());
    }

    /// Serde's derived structs take an array too, fields by position; the schema does not, and
    /// `validate` skips the schema on what the typed config reads.
    #[test]
    fn a_struct_is_never_read_from_an_array() {
        let node = parse_file(FileId(0), "argocd = [\"x\"]\n[platform]\nname = \"p\"\n").unwrap();
        let err = Config::deserialize(&node).unwrap_err().to_string();
        assert!(
            err.contains("invalid type: sequence, expected struct"),
            "{err}"
        );
    }

    #[test]
    fn type_errors_are_errors() {
        let node = parse_file(FileId(0), "[platform]\nname = 3\n").unwrap();
        let err = Config::deserialize(&node).unwrap_err().to_string();
        assert!(
            err.contains("invalid type: integer `3`, expected a string"),
            "{err}"
        );
    }
}
