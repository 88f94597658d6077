//! Kubernetes quantities (`500m`, `1`, `512Mi`, `400Gi`), parsed exactly and printed in the
//! canonical form the API server stores, so Argo CD never sees `1000m` vs `1` as a diff.

use std::cmp::Ordering;
use std::fmt;

/// How a quantity was written, which decides its canonical suffix family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `Ki`, `Mi`, ... (powers of 1024).
    BinarySi,
    /// `n`, `u`, `m`, none, `k`, `M`, ... (powers of 1000).
    DecimalSi,
    /// `1e3`.
    DecimalExponent,
}

/// A non-negative quantity, exact to the nano unit (the API server's smallest scale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

const NANO: i128 = 1_000_000_000;
const BINARY: [(&str, u32); 6] = [
    ("Ki", 1),
    ("Mi", 2),
    ("Gi", 3),
    ("Ti", 4),
    ("Pi", 5),
    ("Ei", 6),
];
const DECIMAL: [(&str, i32); 10] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

impl Quantity {
    /// Parses Kubernetes quantity syntax. The error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.contains(char::is_whitespace) {
            return Err("must not contain spaces".into());
        }
        let num_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(num_end);
        let number = number.strip_prefix('+').unwrap_or(number);
        if number.starts_with('-') {
            return Err("must not be negative".into());
        }
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !digits_ok(int_part)
            || !digits_ok(frac_part)
        {
            return Err("expected a number with an optional suffix".into());
        }
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 27 {
            return Err("too many digits".into());
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| "not a number")?
        };
        let frac_len = i32::try_from(frac_part.len()).map_err(|_| "too many digits")?;

        let (format, pow10, pow1024) = if let Some((_, k)) =
            BINARY.iter().find(|(s, _)| *s == suffix)
        {
            (Format::BinarySi, 0, *k)
        } else if let Some((_, e)) = DECIMAL.iter().find(|(s, _)| *s == suffix) {
            (Format::DecimalSi, *e, 0)
        } else if let Some(exp) = suffix.strip_prefix(['e', 'E']).filter(|e| !e.is_empty()) {
            let e: i32 = exp
                .parse()
                .ok()
                .filter(|e: &i32| (-30..=30).contains(e))
                .ok_or_else(|| format!("invalid exponent `{suffix}`"))?;
            (Format::DecimalExponent, e, 0)
        } else {
            return Err(format!(
                "unknown suffix `{suffix}`; valid suffixes: n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei"
            ));
        };
        // value = mantissa * 10^(pow10 - frac_len) * 1024^pow1024, in nanos: * 10^9.
        let mut num = mantissa
            .checked_mul(1024_i128.pow(pow1024))
            .ok_or("too large")?;
        let mut exp = pow10 - frac_len + 9;
        let mut den: i128 = 1;
        while exp > 0 {
            num = num.checked_mul(10).ok_or("too large")?;
            exp -= 1;
        }
        while exp < 0 {
            den = den.checked_mul(10).ok_or("too many digits")?;
            exp += 1;
        }
        // Finer than a nano is rounded up, as the API server does.
        let nanos = num / den + i128::from(num % den != 0);
        if nanos > i128::from(i64::MAX) * NANO {
            return Err("too large".into());
        }
        Ok(Self { nanos, format })
    }

    /// The canonical form the API server stores (`1000m` → `1`, `1024Mi` → `1Gi`).
    pub fn canonical(&self) -> String {
        if self.format == Format::BinarySi && self.nanos % NANO == 0 && self.nanos >= 1024 * NANO {
            let mut value = self.nanos / NANO;
            let mut k = 0;
            while k < BINARY.len() && value % 1024 == 0 {
                value /= 1024;
                k += 1;
            }
            return if k == 0 {
                value.to_string()
            } else {
                format!("{value}{}", BINARY[k - 1].0)
            };
        }
        if self.nanos == 0 {
            return "0".into();
        }
        let (mut m, mut e) = (self.nanos, -9_i32);
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        while e.rem_euclid(3) != 0 {
            m *= 10;
            e -= 1;
        }
        if self.format == Format::DecimalExponent {
            return if e == 0 {
                m.to_string()
            } else {
                format!("{m}e{e}")
            };
        }
        while e > 18 {
            m *= 1000;
            e -= 3;
        }
        let suffix = DECIMAL.iter().find(|(_, x)| *x == e).map_or("", |(s, _)| s);
        format!("{m}{suffix}")
    }

    /// The amount in nano units (exact).
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    /// The sum of this quantity and `other`, in this one's format (a zero takes the other's).
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            nanos: self.nanos.saturating_add(other.nanos),
            format: if self.nanos == 0 {
                other.format
            } else {
                self.format
            },
        }
    }

    /// This quantity times `n`.
    pub fn times(&self, n: u32) -> Self {
        Self {
            nanos: self.nanos.saturating_mul(i128::from(n)),
            format: self.format,
        }
    }
}

/// What `text`, which is not a quantity, most likely meant: the quantities that keep its
/// number and read its suffix as a person would (`16GB` → `16G`, `16Gi`; `1.5 Gi` → `1.5Gi`;
/// `512mb` → `512M`, `512Mi`; `2gi` → `2Gi`; `1,5G` → `1.5G`). Empty when there is no such
/// reading (`-1`, `abc`, `500mm`).
pub fn suggestions(text: &str) -> Vec<String> {
    let mut s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.contains('.') && s.matches(',').count() == 1 {
        s = s.replace(',', ".");
    }
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(num_end);
    let unit = suffix.to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let binary = unit.len() == 2 && unit.ends_with('i');
    let prefix = unit.chars().next();
    let decimal = match prefix {
        Some('k') => "k",
        Some('m') => "M",
        Some('g') => "G",
        Some('t') => "T",
        Some('p') => "P",
        Some('e') if suffix.len() > 1 => "E",
        _ => "",
    };
    let mut out: Vec<String> = Vec::new();
    if Quantity::parse(&s).is_ok() {
        out.push(s.clone());
    } else if !decimal.is_empty() && (unit.len() == 1 || binary) && !number.is_empty() {
        let binary_suffix = format!("{}i", decimal.to_ascii_uppercase());
        // `Gi`, `gib`: binary as written; `GB`, `g`: either.
        if !binary {
            out.push(format!("{number}{decimal}"));
        }
        out.push(format!("{number}{binary_suffix}"));
    }
    out.retain(|q| q != text && Quantity::parse(q).is_ok());
    out
}

/// The help for a quantity that does not parse: the likely meaning when there is one, else
/// what a quantity looks like.
pub fn help(text: &str) -> String {
    match suggestions(text).as_slice() {
        [one] => format!("did you mean `{one}`?"),
        [decimal, binary] => {
            let (d, b) = (
                decimal.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'),
                binary.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'),
            );
            let power = BINARY
                .iter()
                .find(|(s, _)| *s == b)
                .map_or(1, |(_, k)| k * 10);
            let exp = DECIMAL.iter().find(|(s, _)| *s == d).map_or(0, |(_, e)| *e);
            format!(
                "did you mean `{decimal}` or `{binary}`? Kubernetes writes bytes without `B`: `{d}` is 10^{exp}, `{b}` is 2^{power}"
            )
        }
        _ => "write a number with an optional suffix, e.g. `500m`, `2`, `512Mi`, `4Gi`".into(),
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.nanos.cmp(&other.nanos))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    fn canon(s: &str) -> String {
        Quantity::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .canonical()
    }

    #[test]
    fn canonical_forms_match_the_api_server() {
        for (input, want) in [
            ("1000m", "1"),
            ("1024Mi", "1Gi"),
            ("500m", "500m"),
            ("0.5", "500m"),
            ("2000", "2k"),
            ("200", "200"),
            ("300", "300"),
            ("1.5Gi", "1536Mi"),
            ("400Gi", "400Gi"),
            ("600Gi", "600Gi"),
            ("1Ki", "1Ki"),
            ("0.5Ki", "512"),
            ("100Mi", "100Mi"),
            ("0", "0"),
            ("0Gi", "0"),
            ("1e3", "1e3"),
            ("12E6", "12e6"),
            ("1000k", "1M"),
            ("0.1m", "100u"),
            ("1n", "1n"),
            ("0.1n", "1n"),
            ("+1", "1"),
            ("1G", "1G"),
            ("1.5", "1500m"),
            ("2048Ki", "2Mi"),
            ("1000Mi", "1000Mi"),
            (".5", "500m"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn rejects_what_the_api_server_rejects() {
        for bad in [
            "", "500mm", "400GB", "1.5 Gi", "-1", "abc", "1e", "Mi", ".", "1..5", "1e99", "1KI",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Quantity::parse("1.5 Gi").unwrap_err(),
            "must not contain spaces"
        );
    }

    #[test]
    fn suggests_what_a_person_meant() {
        for (bad, want) in [
            ("16GB", &["16G", "16Gi"][..]),
            ("16gb", &["16G", "16Gi"]),
            ("512MB", &["512M", "512Mi"]),
            ("512mb", &["512M", "512Mi"]),
            ("4KB", &["4k", "4Ki"]),
            ("4kb", &["4k", "4Ki"]),
            ("4K", &["4k", "4Ki"]),
            ("1TB", &["1T", "1Ti"]),
            ("2EB", &["2E", "2Ei"]),
            ("16g", &["16G", "16Gi"]),
            ("2gi", &["2Gi"]),
            ("2GI", &["2Gi"]),
            ("2GiB", &["2Gi"]),
            ("2kib", &["2Ki"]),
            ("1.5 Gi", &["1.5Gi"]),
            ("1.5 GB", &["1.5G", "1.5Gi"]),
            ("500 m", &["500m"]),
            ("1,5Gi", &["1.5Gi"]),
        ] {
            assert_eq!(super::suggestions(bad), want, "{bad}");
        }
        for hopeless in [
            "-1", "abc", "500mm", "Mi", "1e", "1.2.3Gi", "", "16XB", "1e99",
        ] {
            assert!(super::suggestions(hopeless).is_empty(), "{hopeless}");
        }
        assert_eq!(
            super::help("16GB"),
            "did you mean `16G` or `16Gi`? Kubernetes writes bytes without `B`: `G` is 10^9, `Gi` is 2^30"
        );
        assert_eq!(super::help("1.5 Gi"), "did you mean `1.5Gi`?");
    }

    #[test]
    fn compares_across_suffixes() {
        let a = Quantity::parse("1Gi").unwrap();
        let b = Quantity::parse("1000Mi").unwrap();
        assert!(a > b);
        assert_eq!(
            Quantity::parse("1").unwrap().nanos(),
            Quantity::parse("1000m").unwrap().nanos()
        );
    }
}
