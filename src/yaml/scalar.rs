//! What a plain (unquoted) scalar means, as `kubectl` reads it: sigs.k8s.io/yaml decodes with
//! go-yaml v2, whose resolver follows YAML 1.1. So `yes`, `on` and `y` are `true`, `0644` is
//! octal 420, `1_000` is 1000 and `~` is null; a quoted scalar is always a string.

use super::Value;

/// The value of a plain scalar.
pub(super) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    match text.as_bytes()[0] {
        // go-yaml: `strconv.ParseFloat` of the text as written.
        b'.' => match text.parse::<f64>() {
            Ok(f) => Value::Float(f),
            Err(_) => Value::String(text.to_string()),
        },
        // go-yaml: `_` removed, then `ParseInt(s, 0, 64)`, `ParseUint`, then a float pattern.
        b'0'..=b'9' | b'-' | b'+' => {
            let plain = text.replace('_', "");
            integer(&plain)
                .or_else(|| float(&plain))
                .unwrap_or_else(|| Value::String(text.to_string()))
        }
        _ => Value::String(text.to_string()),
    }
}

/// go's `strconv.ParseInt(s, 0, 64)` (then `ParseUint`): decimal, `0x` hex, `0b` binary, `0o`
/// or leading-zero octal, with an optional sign. Beyond i64 it is a float.
fn integer(plain: &str) -> Option<Value> {
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, plain),
    };
    let lower = digits.get(..2).map(str::to_ascii_lowercase);
    let (radix, body) = match lower.as_deref() {
        Some("0x") => (16, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        return i64::try_from(magnitude)
            .map(|m| Value::Int(-m))
            .ok()
            .or_else(|| (magnitude == 1 << 63).then_some(Value::Int(i64::MIN)));
    }
    Some(match i64::try_from(magnitude) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Float(magnitude as f64),
    })
}

/// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn float(plain: &str) -> Option<Value> {
    let body = plain.strip_prefix(['-', '+']).unwrap_or(plain);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    plain.parse::<f64>().ok().map(Value::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_read_as_kubectl_reads_them() {
        for t in ["yes", "Yes", "on", "ON", "y", "true", "True"] {
            assert_eq!(resolve_plain(t), Value::Bool(true), "{t}");
        }
        for t in ["no", "off", "n", "N", "false", "FALSE"] {
            assert_eq!(resolve_plain(t), Value::Bool(false), "{t}");
        }
        for t in ["", "~", "null", "NULL"] {
            assert_eq!(resolve_plain(t), Value::Null, "{t}");
        }
        assert_eq!(resolve_plain("0644"), Value::Int(420));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("-3"), Value::Int(-3));
        assert_eq!(resolve_plain("+3"), Value::Int(3));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        // go's ParseInt refuses `08` as octal; the float pattern takes it.
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("1_"), Value::Int(1));
        assert_eq!(resolve_plain("-.inf"), Value::Float(f64::NEG_INFINITY));
        assert_eq!(
            resolve_plain("99999999999999999999"),
            Value::Float(99999999999999999999.0)
        );
        for t in [
            "500m",
            "1Gi",
            "12:30",
            "1.2.3",
            "0x",
            "v1",
            "-",
            ".",
            "e3",
            "1e",
            "0x",
            "1.2e",
            "apps/v1",
            "2024-01-01",
        ] {
            assert_eq!(resolve_plain(t), Value::String(t.into()), "{t}");
        }
    }
}
