//! Pieces shared by every protocol area: response codes, `ei:eiResponse`, and the serde
//! helpers that let OpenLEADR-style JSON (where numeric-looking ids arrive as numbers) in.

use std::fmt;

/// An `ei:responseCode` (three digits; spec digest §10).
///
/// Serializes as a JSON integer, as OpenLEADR does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResponseCode(pub u16);

impl ResponseCode {
    /// 200 OK.
    pub const OK: ResponseCode = ResponseCode(200);
    /// 450 Out of sequence.
    pub const OUT_OF_SEQUENCE: ResponseCode = ResponseCode(450);
    /// 451 Not allowed.
    pub const NOT_ALLOWED: ResponseCode = ResponseCode(451);
    /// 452 Invalid ID.
    pub const INVALID_ID: ResponseCode = ResponseCode(452);
    /// 453 Not recognized.
    pub const NOT_RECOGNIZED: ResponseCode = ResponseCode(453);
    /// 454 Invalid data.
    pub const INVALID_DATA: ResponseCode = ResponseCode(454);
    /// 459 Compliance error.
    pub const COMPLIANCE_ERROR: ResponseCode = ResponseCode(459);
    /// 460 Signal not supported.
    pub const SIGNAL_NOT_SUPPORTED: ResponseCode = ResponseCode(460);
    /// 461 Report not supported.
    pub const REPORT_NOT_SUPPORTED: ResponseCode = ResponseCode(461);
    /// 462 Target mismatch.
    pub const TARGET_MISMATCH: ResponseCode = ResponseCode(462);
    /// 463 Not registered or not authorized.
    pub const NOT_REGISTERED_OR_AUTHORIZED: ResponseCode = ResponseCode(463);
    /// 469 Deployment error / other error.
    pub const DEPLOYMENT_ERROR: ResponseCode = ResponseCode(469);

    /// The meaning of a code from spec digest §10, if it is one of the assigned codes.
    pub fn meaning(self) -> Option<&'static str> {
        Some(match self.0 {
            200 => "OK",
            450 => "Out of sequence",
            451 => "Not allowed",
            452 => "Invalid ID",
            453 => "Not recognized",
            454 => "Invalid data",
            459 => "Compliance error",
            460 => "Signal not supported",
            461 => "Report not supported",
            462 => "Target mismatch",
            463 => "Not registered or not authorized",
            469 => "Deployment error / other error",
            _ => return None,
        })
    }

    /// Whether the code is in the 2xx success class.
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }

    /// Parse the `ei:ResponseCodeType` lexical form (`[0-9][0-9][0-9]`).
    pub fn parse(text: &str) -> Option<ResponseCode> {
        let t = text.trim();
        if t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok().map(ResponseCode)
        } else {
            None
        }
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

impl serde::Serialize for ResponseCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ResponseCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ResponseCode, D::Error> {
        let s = lenient::string(d)?;
        ResponseCode::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("{s:?} is not a 3-digit response code"))
        })
    }
}

/// `ei:eiResponse`: the outcome of a request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EiResponse {
    /// `ei:responseCode`.
    pub response_code: ResponseCode,
    /// `ei:responseDescription`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_description: Option<String>,
    /// `pyld:requestID` of the request this answers (may be empty on the wire).
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
}

impl EiResponse {
    /// A 200 OK answering `request_id`.
    pub fn ok(request_id: impl Into<String>) -> EiResponse {
        EiResponse {
            response_code: ResponseCode::OK,
            response_description: Some("OK".into()),
            request_id: request_id.into(),
        }
    }

    /// An error response with the code's standard meaning as description.
    pub fn error(code: ResponseCode, request_id: impl Into<String>) -> EiResponse {
        EiResponse {
            response_code: code,
            response_description: code.meaning().map(str::to_owned),
            request_id: request_id.into(),
        }
    }
}

/// Serde helpers that accept what OpenLEADR's dicts contain: ids that look like numbers
/// arrive as JSON numbers (xmltodict converts them), empty elements arrive as `null`.
pub mod lenient {
    use serde::de::{self, Deserializer, Visitor};
    use std::fmt;

    struct StringVisitor;

    impl<'de> Visitor<'de> for StringVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_any(StringVisitor)
        }
    }

    /// A string, or a number taken as its decimal text.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(StringVisitor)
    }

    /// Like [`string`], with `null` read as the empty string (an empty element).
    pub fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_option(StringVisitor)
    }

    /// An optional string that may arrive as a number.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct OptVisitor;
        impl<'de> Visitor<'de> for OptVisitor {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
                string(d).map(Some)
            }
        }
        d.deserialize_option(OptVisitor)
    }

    /// One string or a list of strings (xmltodict yields a scalar for a single element).
    pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            Many(Vec<serde_json::Value>),
            One(serde_json::Value),
        }
        fn text<E: de::Error>(v: serde_json::Value) -> Result<String, E> {
            match v {
                serde_json::Value::String(s) => Ok(s),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                other => Err(E::custom(format!("expected a string, got {other}"))),
            }
        }
        match <OneOrMany as serde::Deserialize>::deserialize(d)? {
            OneOrMany::Many(v) => v.into_iter().map(text).collect(),
            OneOrMany::One(v) => Ok(vec![text(v)?]),
        }
    }

    /// A boolean that may arrive as `true`/`false`, `1`/`0` or their strings (xs:boolean's
    /// lexical space; xmltodict leaves `1`/`0` as numbers).
    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        struct BoolVisitor;
        impl<'de> Visitor<'de> for BoolVisitor {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an xs:boolean (true, false, 1 or 0)")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::custom(format!("{v} is not an xs:boolean"))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
                self.visit_u64(u64::try_from(v).map_err(|_| E::custom("not an xs:boolean"))?)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
                match v.trim() {
                    "true" | "1" => Ok(true),
                    "false" | "0" => Ok(false),
                    _ => Err(E::custom(format!("{v:?} is not an xs:boolean"))),
                }
            }
        }
        d.deserialize_any(BoolVisitor)
    }

    /// [`prim@bool`] for an optional field.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Wrap(#[serde(deserialize_with = "bool")] bool);
        Ok(<Option<Wrap> as serde::Deserialize>::deserialize(d)?.map(|w| w.0))
    }

    /// An xs:float: a JSON number when finite, else the xs:float spellings `"NaN"`,
    /// `"INF"`, `"-INF"` (JSON has no literal for them; the same convention as the
    /// interop scripts). Reads numbers, those strings, and numeric strings.
    pub mod xs_float {
        use super::*;
        use serde::Serializer;

        /// Write a float.
        pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
            if v.is_nan() {
                s.serialize_str("NaN")
            } else if v.is_infinite() {
                s.serialize_str(if *v > 0.0 { "INF" } else { "-INF" })
            } else {
                s.serialize_f32(*v)
            }
        }

        struct FloatVisitor;
        impl<'de> Visitor<'de> for FloatVisitor {
            type Value = f32;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, \"NaN\", \"INF\" or \"-INF\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f32, E> {
                Ok(v as f32)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f32, E> {
                Ok(v as f32)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f32, E> {
                Ok(v as f32)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f32, E> {
                match v.trim() {
                    "NaN" => Ok(f32::NAN),
                    "INF" => Ok(f32::INFINITY),
                    "-INF" => Ok(f32::NEG_INFINITY),
                    t => t
                        .parse::<f32>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| E::custom(format!("{v:?} is not an xs:float"))),
                }
            }
        }

        /// Read a float.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
            d.deserialize_any(FloatVisitor)
        }

        #[derive(serde::Serialize, serde::Deserialize)]
        struct Wrap(#[serde(with = "self")] f32);

        /// Optional floats.
        pub mod opt {
            use super::*;
            /// Write `Some` as a float, `None` as null.
            pub fn serialize<S: Serializer>(v: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&v.map(Wrap), s)
            }
            /// Read a float or null.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
                Ok(<Option<Wrap> as serde::Deserialize>::deserialize(d)?.map(|w| w.0))
            }
        }

        /// A list of floats written as one value when it has one element.
        pub mod one_or_many {
            use super::*;
            /// Write one float as itself, several as a list.
            pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
                let w: Vec<Wrap> = v.iter().copied().map(Wrap).collect();
                super::super::one_or_many::serialize(&w, s)
            }
            /// Read one float or a list.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
                let w: Vec<Wrap> = super::super::one_or_many::deserialize(d)?;
                Ok(w.into_iter().map(|w| w.0).collect())
            }
        }
    }

    /// One value or a list of values, for elements that repeat (`report_payload`,
    /// `signal_payload`): xmltodict gives a scalar for one element and a list for several.
    pub mod one_or_many {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        /// Write a single element as itself, several as a list.
        pub fn serialize<T: Serialize, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
            match v {
                [one] => one.serialize(s),
                many => many.serialize(s),
            }
        }

        /// Read a single value or a list.
        pub fn deserialize<'de, T, D>(d: D) -> Result<Vec<T>, D::Error>
        where
            T: Deserialize<'de>,
            D: Deserializer<'de>,
        {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum OneOrMany<T> {
                Many(Vec<T>),
                One(T),
            }
            Ok(match OneOrMany::deserialize(d)? {
                OneOrMany::Many(v) => v,
                OneOrMany::One(x) => vec![x],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_code_is_three_digits() {
        assert_eq!(ResponseCode::parse("200"), Some(ResponseCode::OK));
        assert_eq!(ResponseCode::parse("20"), None);
        assert_eq!(ResponseCode::parse("2000"), None);
        assert_eq!(ResponseCode::parse("4x3"), None);
        assert_eq!(
            ResponseCode::NOT_REGISTERED_OR_AUTHORIZED.to_string(),
            "463"
        );
        assert_eq!(
            ResponseCode(463).meaning(),
            Some("Not registered or not authorized")
        );
    }

    #[test]
    fn ei_response_accepts_openleadr_json() {
        let r: EiResponse = serde_json::from_str(
            r#"{"response_code": 200, "response_description": "OK", "request_id": null}"#,
        )
        .unwrap();
        assert_eq!(r.request_id, "");
        let r: EiResponse =
            serde_json::from_str(r#"{"response_code": "452", "request_id": 1234}"#).unwrap();
        assert_eq!(r.response_code, ResponseCode::INVALID_ID);
        assert_eq!(r.request_id, "1234");
        assert!(
            serde_json::from_str::<EiResponse>(r#"{"response_code": 20, "request_id": ""}"#)
                .is_err()
        );
    }

    #[test]
    fn xs_float_and_boolean_spellings() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct T {
            #[serde(with = "lenient::xs_float")]
            f: f32,
            #[serde(deserialize_with = "lenient::bool")]
            b: bool,
        }
        let inf = T {
            f: f32::INFINITY,
            b: true,
        };
        assert_eq!(
            serde_json::to_string(&inf).unwrap(),
            r#"{"f":"INF","b":true}"#
        );
        let back: T = serde_json::from_str(r#"{"f":"-INF","b":0}"#).unwrap();
        assert_eq!(
            back,
            T {
                f: f32::NEG_INFINITY,
                b: false
            }
        );
        let nan: T = serde_json::from_str(r#"{"f":"NaN","b":"1"}"#).unwrap();
        assert!(nan.f.is_nan() && nan.b);
        assert!(serde_json::from_str::<T>(r#"{"f":"lots","b":true}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"f":1.5,"b":2}"#).is_err());
    }
}
